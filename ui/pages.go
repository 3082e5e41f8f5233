package ui

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"mapscope/mapping"
	"mapscope/procmaps"
)

// maxStripPages bounds the pagemap read for one mapping: 4 Mi pages
// (16 GiB of address space) take about 25 ms; a bigger mapping shows its
// first 16 GiB.
const maxStripPages = 1 << 22

// memRows is how many 16-byte rows the memory view shows.
const memRows = 8

// pagesData is the pagemap of one mapping and a look at its memory.
type pagesData struct {
	start     uint64
	pages     []procmaps.Page
	err       error
	truncated bool // the mapping has more pages than were read
	memOff    uint64
	peek      mapping.Peek
	peekErr   error
	softDirty bool // the kernel tracks soft-dirty pages (detected once, in a command)
	strip     stripCache
}

// pagesMsg carries a fresh pagesData.
type pagesMsg struct {
	seq  int
	data pagesData
}

// readPages reads the pagemap of mp and peeks at its memory at off,
// without making any page present (engine.md fact 21).
// With auto, the memory view starts at the first page that holds data
// (a fresh selection): a view of zeros says little.
func readPages(root string, pid int, mp procmaps.Mapping, off uint64, auto bool, seq int) tea.Cmd {
	return func() tea.Msg {
		n := int(min(mp.Size()/pageSize, maxStripPages))
		d := pagesData{start: mp.Start, truncated: mp.Size()/pageSize > maxStripPages, softDirty: procmaps.SoftDirtySupported()}
		d.pages, d.err = procmaps.ReadPagemap(root, pid, mp.Start, n)
		if auto {
			off = 0
			for i, p := range d.pages {
				if p.State() != procmaps.PageNotPresent {
					off = uint64(i) * pageSize
					break
				}
			}
		}
		d.memOff = off
		if off < mp.Size() {
			count := int(min(uint64(memRows*16), mp.Size()-off))
			d.peek, d.peekErr = mapping.PeekPid(pid, mp.Start+off, count)
		}
		return pagesMsg{seq: seq, data: d}
	}
}

// pageKind is what the strip tells about a page: not present; present
// and private to this process; private but still shared with another
// process (copy-on-write after fork); a page of a file or of shared memory;
// swapped out; a guard page.
type pageKind uint8

const (
	pkNone pageKind = iota
	pkOwn
	pkCOW
	pkFile
	pkSwapped
	pkGuard
	pkKinds
)

// kindOf classifies a pagemap entry (engine.md fact 22): the file /
// shared-anonymous bit first, since a shm page mapped by one process only
// is "exclusive" too but is not private memory.
func kindOf(p procmaps.Page) pageKind {
	switch {
	case p.Guard():
		return pkGuard
	case p.Swapped():
		return pkSwapped
	case !p.Present():
		return pkNone
	case p.FileOrSharedAnon():
		return pkFile
	case p.Exclusive():
		return pkOwn
	}
	return pkCOW
}

// pageCounts counts the pages of each kind.
type pageCounts struct {
	total, present, softDirty int
	n                         [pkKinds]int
}

func countPages(pages []procmaps.Page) pageCounts {
	var c pageCounts
	c.total = len(pages)
	for _, p := range pages {
		k := kindOf(p)
		c.n[k]++
		if k == pkOwn || k == pkCOW || k == pkFile {
			c.present++
		}
		if p.SoftDirty() {
			c.softDirty++
		}
	}
	return c
}

// stripCell is one cell of the page strip: the pages it stands for.
type stripCell struct {
	glyph string
	kind  pageKind // the dominant kind of its pages that hold data, or pkNone
}

// stripCells buckets pages into at most cells cells. A cell's glyph says
// how much of it is present (█ all, ▓ ▒ ░ partly, · none); its colour the
// dominant kind of what is present.
func stripCells(pages []procmaps.Page, cells int) ([]stripCell, int) {
	if cells <= 0 || len(pages) == 0 {
		return nil, 0
	}
	per := (len(pages) + cells - 1) / cells
	var out []stripCell
	for i := 0; i < len(pages); i += per {
		var n [pkKinds]int
		bucket := pages[i:min(i+per, len(pages))]
		for _, p := range bucket {
			n[kindOf(p)]++
		}
		held := len(bucket) - n[pkNone]
		c := stripCell{kind: pkNone}
		best := 0
		for _, k := range []pageKind{pkOwn, pkCOW, pkFile, pkSwapped, pkGuard} {
			if n[k] > best {
				c.kind, best = k, n[k]
			}
		}
		switch f := float64(held) / float64(len(bucket)); {
		case held == 0:
			c.glyph = "·"
		case f == 1:
			c.glyph = "█"
		case f >= 2.0/3:
			c.glyph = "▓"
		case f >= 1.0/3:
			c.glyph = "▒"
		default:
			c.glyph = "░"
		}
		out = append(out, c)
	}
	return out, per
}

// pageStyle colours a page kind.
func (s *Styles) pageStyle(k pageKind) func(...string) string {
	switch k {
	case pkOwn:
		return s.PageExclusive.Render
	case pkCOW:
		return s.PageCOW.Render
	case pkFile:
		return s.PageShared.Render
	case pkSwapped:
		return s.PageSwapped.Render
	case pkGuard:
		return s.StatusError.Render
	}
	return s.FieldMeaning.Render
}

// monoLetters tell page kinds apart without colour.
var monoLetters = [pkKinds]string{pkNone: "·", pkOwn: "P", pkCOW: "C", pkFile: "F", pkSwapped: "W", pkGuard: "G"}

// stripLines draws the page strip of d in width w, at most maxLines lines
// of cells, then the legend, the counts and the frames.
// The strip of a mapping of millions of pages takes a while to bucket and
// count, and the detail pane is laid out at every message: the lines are
// kept with the data they were drawn from, for the width and style they
// were drawn for.
func stripLines(st *Styles, d *pagesData, w, maxLines int) []string {
	if c := &d.strip; c.lines != nil && c.w == w && c.maxLines == maxLines && c.st == st {
		return c.lines
	}
	lines := drawStrip(st, d, w, maxLines)
	d.strip = stripCache{w: w, maxLines: maxLines, st: st, lines: lines}
	return lines
}

// stripCache is stripLines' last result.
type stripCache struct {
	w, maxLines int
	st          *Styles
	lines       []string
}

// drawStrip draws what stripLines returns.
func drawStrip(st *Styles, d *pagesData, w, maxLines int) []string {
	if w < 8 {
		return nil
	}
	var out []string
	if d.err != nil {
		msg := "pagemap: " + d.err.Error()
		if errors.Is(d.err, os.ErrPermission) {
			msg = "pagemap: permission denied (it needs the rights of reading the process's memory)"
		}
		return []string{st.StatusError.Render(truncate(printable(msg), w))}
	}
	lines := min(maxLines, (len(d.pages)+w-1)/w)
	cells, per := stripCells(d.pages, w*max(1, lines))
	for i := 0; i < len(cells); i += w {
		var b strings.Builder
		for _, c := range cells[i:min(i+w, len(cells))] {
			g := c.glyph
			if st.mono {
				g = monoLetters[c.kind]
				if c.glyph != "█" && c.glyph != "·" {
					g = strings.ToLower(g)
				}
			}
			b.WriteString(st.pageStyle(c.kind)(g))
		}
		out = append(out, b.String())
	}
	unit := "1 cell = 1 page"
	if per > 1 {
		unit = fmt.Sprintf("1 cell = %d pages (█ all present, ▓▒░ partly, · none)", per)
	}
	if d.truncated {
		unit += "; first " + procmaps.FormatSize(uint64(len(d.pages))*pageSize) + " only"
	}
	out = append(out, truncate(st.FieldMeaning.Render(unit), w))
	legend := []string{st.PageExclusive.Render("■ private"), st.PageCOW.Render("■ copy-on-write (shared after fork)"),
		st.PageShared.Render("■ file/shared memory"), st.PageSwapped.Render("■ swapped"), st.FieldMeaning.Render("· not present")}
	if st.mono {
		legend = []string{"P private", "C copy-on-write", "F file/shared memory", "W swapped", "· not present", "(lower case: partly)"}
	}
	out = append(out, flow(legend, "  ", w)...)
	c := countPages(d.pages)
	sd := "soft-dirty: not tracked by this kernel"
	if d.softDirty {
		sd = "soft-dirty " + strconv.Itoa(c.softDirty)
	}
	counts := []string{fmt.Sprintf("%d of %d present", c.present, c.total), fmt.Sprintf("%d private", c.n[pkOwn]),
		fmt.Sprintf("%d copy-on-write", c.n[pkCOW]), fmt.Sprintf("%d file/shared", c.n[pkFile]),
		fmt.Sprintf("%d swapped", c.n[pkSwapped]), sd}
	for i := range counts {
		counts[i] = st.FieldMeaning.Render(counts[i])
	}
	out = append(out, flow(counts, st.FieldMeaning.Render(" · "), w)...)
	out = append(out, truncate(st.FieldMeaning.Render(frames(d.pages)), w))
	return out
}

// isRoot: the kernel shows frame numbers only to CAP_SYS_ADMIN.
var isRoot = os.Geteuid() == 0

// frames lists the frame numbers of the first present pages, or says that
// they need root (the kernel shows them only to CAP_SYS_ADMIN).
func frames(pages []procmaps.Page) string {
	var fs []string
	for _, p := range pages {
		if p.Present() && p.PFN() != 0 {
			fs = append(fs, "0x"+strconv.FormatUint(p.PFN(), 16))
			if len(fs) == 6 {
				fs = append(fs, "…")
				break
			}
		}
	}
	switch {
	case len(fs) > 0:
		return "frames: " + strings.Join(fs, " ")
	case !isRoot:
		return "frame numbers need root"
	}
	return "no page present: no frame"
}

// memLines draws the memory view: 16 bytes a row, hex and ASCII; a page
// that is not present is one line saying so (it was not read, so looking
// did not make it present); an unreadable one says why.
func memLines(st *Styles, d *pagesData, mp *procmaps.Mapping, w int) []string {
	if w < 20 {
		return nil
	}
	var out []string
	pk := d.peek
	base := mp.Start
	zeroWhenAbsent := mp.Anonymous() && !mp.Perms.Shared
	lastPage := ^uint64(0)
	per := 16 // bytes a row: "+00000  " + 3 a byte + 1 a byte
	for per > 4 && 8+4*per > w {
		per /= 2
	}
	for off := 0; off < len(pk.Data); off += per {
		addr := pk.Addr + uint64(off)
		page := (addr - (pk.Addr &^ (pageSize - 1))) / pageSize
		if int(page) < len(pk.Present) && !pk.Present[page] {
			if page != lastPage {
				msg := "not present in this process: the file's bytes were not read"
				if zeroWhenAbsent {
					msg = "not present (reads as zero): not read, so looking did not make it present"
				}
				out = append(out, truncate(st.FieldKey.Render(fmt.Sprintf("+%05x  ", addr-base))+st.FieldMeaning.Render(msg), w))
				lastPage = page
			}
			continue
		}
		hx, asc := hexRow(pk.Data[off:min(off+per, len(pk.Data))], per)
		line := st.FieldKey.Render(fmt.Sprintf("+%05x  ", addr-base)) + st.FieldValue.Render(hx) + st.FieldMeaning.Render(asc)
		out = append(out, truncate(line, w))
	}
	var f *mapping.Fault
	switch {
	case errors.As(d.peekErr, &f):
		why := "not readable: the mapping is " + f.Perms
		if f.Perms != "" && f.Perms[0] == '-' {
			why += " (PROT_NONE: any access is SIGSEGV)"
		} else if f.Code == mapping.SegvMapErr {
			why = "not mapped: a read here is SIGSEGV (SEGV_MAPERR)"
		}
		out = append(out, truncate(st.FieldKey.Render(fmt.Sprintf("+%05x  ", f.Addr-base))+st.Note.Render(why), w))
	case d.peekErr != nil:
		out = append(out, truncate(st.StatusError.Render("memory: "+printable(d.peekErr.Error())), w))
	}
	return out
}

// flow lays items out on as many lines of width w as they need, separated
// by sep, never cutting an item that fits on a line of its own.
func flow(items []string, sep string, w int) []string {
	var lines []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case ansi.StringWidth(cur)+ansi.StringWidth(sep)+ansi.StringWidth(it) <= w:
			cur += sep + it
		default:
			lines = append(lines, truncate(cur, w))
			cur = it
		}
	}
	if cur != "" {
		lines = append(lines, truncate(cur, w))
	}
	return lines
}
