package ui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"mapscope/procmaps"
)

// splitView puts two processes side by side (v), aligned by address, with
// the page strips of the selected mapping of both, one above the other,
// and the pages they share marked: copy-on-write made visible.
type splitView struct {
	on          bool
	left, right int // tab ids
	sel, top    int // selected row, first row shown
	rows        []splitRow
	pages       *splitPages
	seq         int
	prevShared  map[int]bool // pages of the selected mapping shared at the last read
	prevStart   uint64
}

// splitRow is one address range: the mapping each side has there (nil when
// it has none).
type splitRow struct {
	l, r *procmaps.Mapping
}

// start is the row's address.
func (r splitRow) start() uint64 {
	if r.l != nil {
		return r.l.Start
	}
	return r.r.Start
}

// splitPages is the pagemap of the selected row's mapping in both processes.
type splitPages struct {
	start       uint64
	left, right []procmaps.Page
	shared      []bool // per page: shared by both (sharedPages)
	err         error
}

type splitPagesMsg struct {
	seq   int
	pages splitPages
}

// alignRows merges two ascending mapping lists by start address.
func alignRows(a, b []procmaps.Mapping) []splitRow {
	var rows []splitRow
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || i < len(a) && a[i].Start < b[j].Start:
			rows = append(rows, splitRow{l: &a[i]})
			i++
		case i >= len(a) || b[j].Start < a[i].Start:
			rows = append(rows, splitRow{r: &b[j]})
			j++
		default:
			rows = append(rows, splitRow{l: &a[i], r: &b[j]})
			i++
			j++
		}
	}
	return rows
}

// partner chooses the process to show beside tab i: its parent, its first
// child, or the next tab.
func (m *Model) partner(i int) int {
	p := &m.procs[i]
	for j := range m.procs {
		if j != i && m.procs[j].pid == p.parent {
			return j
		}
	}
	for j := range m.procs {
		if j != i && m.procs[j].parent == p.pid {
			return j
		}
	}
	if len(m.procs) > 1 {
		return (i + 1) % len(m.procs)
	}
	return -1
}

// toggleSplit opens or closes the split view.
func (m *Model) toggleSplit() (tea.Cmd, string) {
	if m.split.on {
		m.split = splitView{}
		return nil, "split view off"
	}
	j := m.partner(m.cur)
	if j < 0 {
		m.fail("the split view needs two processes: f forks this one, n starts another")
		return nil, "nothing (one process)"
	}
	left, right := m.cur, j
	if m.procs[j].pid == m.procs[m.cur].parent { // the parent on the left
		left, right = j, m.cur
	}
	m.split = splitView{on: true, left: m.procs[left].id, right: m.procs[right].id}
	m.syncSplit()
	if mp, ghost, ok := m.table.selected(); ok && !ghost {
		m.split.selectAddr(mp.Start)
	}
	return m.requestSplitPages(), "split view"
}

// sides returns the two tabs of the split view.
func (m *Model) sides() (*proc, *proc) {
	l, r := m.procIndex(m.split.left), m.procIndex(m.split.right)
	if l < 0 || r < 0 {
		return nil, nil
	}
	return &m.procs[l], &m.procs[r]
}

// syncSplit rebuilds the rows from the two snapshots.
func (m *Model) syncSplit() {
	l, r := m.sides()
	if l == nil {
		m.split = splitView{}
		return
	}
	var a, b []procmaps.Mapping
	if l.snap != nil {
		a = l.snap.Mappings
	}
	if r.snap != nil {
		b = r.snap.Mappings
	}
	var at uint64
	if m.split.sel < len(m.split.rows) {
		at = m.split.rows[m.split.sel].start()
	}
	m.split.rows = alignRows(a, b)
	m.split.selectAddr(at)
}

func (s *splitView) selectAddr(addr uint64) {
	for i, r := range s.rows {
		if r.start() >= addr {
			s.sel = i
			return
		}
	}
	s.sel = max(0, len(s.rows)-1)
}

// requestSplitPages reads the pagemap of the selected row in both.
func (m *Model) requestSplitPages() tea.Cmd {
	l, r := m.sides()
	if l == nil || m.split.sel >= len(m.split.rows) {
		return nil
	}
	row := m.split.rows[m.split.sel]
	mp := row.l
	if mp == nil {
		mp = row.r
	}
	m.split.seq++
	seq, root, lpid, rpid := m.split.seq, m.opts.Root, l.pid, r.pid
	start, n := mp.Start, int(min(mp.Size()/pageSize, maxStripPages))
	hasL, hasR := row.l != nil, row.r != nil
	return func() tea.Msg {
		sp := splitPages{start: start}
		if hasL {
			sp.left, sp.err = procmaps.ReadPagemap(root, lpid, start, n)
		}
		if hasR && sp.err == nil {
			sp.right, sp.err = procmaps.ReadPagemap(root, rpid, start, n)
		}
		return splitPagesMsg{seq: seq, pages: sp}
	}
}

// shared tells, page by page, whether the two processes share it: the same
// frame (as root), or without frame numbers, present and not exclusive in
// both (mapped more than once, and by both of these).
func sharedPages(a, b []procmaps.Page) []bool {
	out := make([]bool, min(len(a), len(b)))
	for i := range out {
		pa, pb := a[i], b[i]
		switch {
		case !pa.Present() || !pb.Present():
		case pa.PFN() != 0 && pb.PFN() != 0:
			out[i] = pa.PFN() == pb.PFN()
		default:
			out[i] = !pa.Exclusive() && !pb.Exclusive()
		}
	}
	return out
}

// onSplitPages stores the pages and narrates copy-on-write: pages that
// were shared at the last read and are not any more.
func (m Model) onSplitPages(msg splitPagesMsg) Model {
	if !m.split.on || msg.seq != m.split.seq {
		return m
	}
	sp := msg.pages
	sp.shared = sharedPages(sp.left, sp.right)
	m.split.pages = &sp
	sh := sp.shared
	now := map[int]bool{}
	for i, s := range sh {
		if s {
			now[i] = true
		}
	}
	if m.split.prevStart == sp.start && m.split.prevShared != nil {
		var copied []string
		for i := range m.split.prevShared {
			if !now[i] && i < len(sh) {
				copied = append(copied, strconv.Itoa(i))
			}
		}
		if len(copied) > 0 {
			l, r := m.sides()
			m.narr.text = fmt.Sprintf("Page %s of this mapping is no longer shared: one process wrote to it, so the kernel copied it to a frame of its own (copy-on-write). Until then pid %d and pid %d read the same physical page.",
				strings.Join(copied, ", "), l.pid, r.pid)
		}
	}
	m.split.prevShared, m.split.prevStart = now, sp.start
	return m
}

// splitKey handles keys while the split view is open; it reports false
// for keys it leaves to the rest (quit, help, actions).
func (m *Model) splitKey(msg tea.KeyPressMsg) (tea.Cmd, string, bool) {
	s := &m.split
	vis := m.splitTableHeight()
	before := s.sel
	switch msg.String() {
	case "up", "k":
		s.sel--
	case "down", "j":
		s.sel++
	case "pgup":
		s.sel -= max(1, vis-1)
	case "pgdown":
		s.sel += max(1, vis-1)
	case "g", "home":
		s.sel = 0
	case "G", "end":
		s.sel = len(s.rows) - 1
	case "esc":
		m.split = splitView{}
		return nil, "split view off", true
	default:
		return nil, "", false
	}
	s.sel = min(max(0, s.sel), max(0, len(s.rows)-1))
	s.top = s.scrolled(vis) // kept in the model: View works on a copy
	if s.sel == before {
		return nil, "move", true
	}
	return m.requestSplitPages(), "move", true
}

// scrolled is the first row to show in h rows: top, moved as little as
// keeps the selection in view.
func (s *splitView) scrolled(h int) int {
	top := s.top
	if s.sel < top {
		top = s.sel
	}
	if s.sel >= top+h {
		top = s.sel - h + 1
	}
	return max(0, top)
}

// splitTableHeight is how many rows the split table shows.
func (m *Model) splitTableHeight() int {
	s := m.scr
	return max(1, s.body.h-1-m.splitStripHeight())
}

// splitStripHeight is the height of the page strips under the split table.
func (m *Model) splitStripHeight() int {
	if m.scr.body.h < 16 {
		return 0
	}
	return 6
}

// splitViewLines draws the split view in the body: two columns aligned by
// address, then the selected mapping's page strips for both.
func (m *Model) splitViewLines(w, h int) string {
	st := &m.styles
	l, r := m.sides()
	if l == nil {
		return fitWidth(st.Placeholder.Render("the split view lost one of its processes"), w)
	}
	s := &m.split
	stripH := m.splitStripHeight()
	tableH := max(1, h-1-stripH)
	top := s.scrolled(tableH)
	colW := (w - 3) / 2
	head := func(p *proc) string {
		return fmt.Sprintf("pid %d %s", p.pid, p.role)
	}
	out := []string{fitWidth(st.ColumnTitle.Render(fitWidth(" "+head(l), colW+2))+st.PaneBorder.Render("│")+st.ColumnTitle.Render(" "+head(r)), w)}
	cell := func(mp *procmaps.Mapping, other *procmaps.Mapping, selected bool) string {
		if mp == nil {
			return st.Placeholder.Render(fitWidth("   — not mapped here", colW))
		}
		text := fmt.Sprintf("%12x %5s %s %s", mp.Start, procmaps.FormatSize(mp.Size()), mp.Perms, printable(mp.Label()))
		style := st.kind(mp.Kind)
		if selected {
			style = st.Selected
		}
		mark := " "
		if other == nil {
			mark = "+" // only on this side
		} else if other.End != mp.End || other.Perms != mp.Perms || other.Path != mp.Path {
			mark = "~" // different on the other side
		}
		if selected {
			mark += "▶"
		} else {
			mark += " "
		}
		return style.Render(fitWidth(mark+text, colW))
	}
	for i := top; i < min(len(s.rows), top+tableH); i++ {
		row := s.rows[i]
		sel := i == s.sel
		out = append(out, " "+cell(row.l, row.r, sel)+" "+st.PaneBorder.Render("│")+cell(row.r, row.l, sel))
	}
	for len(out) < 1+tableH {
		out = append(out, fitWidth("", w))
	}
	if stripH > 0 {
		out = append(out, m.splitStrips(w, stripH)...)
	}
	return strings.Join(out[:min(len(out), h)], "\n")
}

// splitStrips draws the two page strips of the selected mapping and the
// pages they share.
func (m *Model) splitStrips(w, h int) []string {
	st := &m.styles
	l, r := m.sides()
	out := []string{rule(st, "pages of the selected mapping: ▀ shared by both, █ this one's own", w)}
	sp := m.split.pages
	if sp == nil || m.split.sel >= len(m.split.rows) || sp.start != m.split.rows[m.split.sel].start() {
		out = append(out, fitWidth(st.Placeholder.Render(" reading pagemap…"), w))
	} else if sp.err != nil {
		out = append(out, fitWidth(st.StatusError.Render(" pagemap: "+printable(sp.err.Error())), w))
	} else {
		shared := sp.shared
		label := fmt.Sprintf(" %-8s ", strconv.Itoa(l.pid))
		width := max(1, w-len(label))
		out = append(out, fitWidth(label+m.pairStrip(sp.left, shared, width), w))
		out = append(out, fitWidth(fmt.Sprintf(" %-8s ", strconv.Itoa(r.pid))+m.pairStrip(sp.right, shared, width), w))
		n := 0
		for _, s := range shared {
			if s {
				n++
			}
		}
		basis := "same frame"
		if !framesKnown(sp.left) {
			basis = "present and not exclusive in both (frame numbers need root)"
		}
		out = append(out, fitWidth(st.FieldMeaning.Render(fmt.Sprintf(" %d of %d pages shared (%s)", n, max(len(sp.left), len(sp.right)), basis)), w))
	}
	for len(out) < h {
		out = append(out, fitWidth("", w))
	}
	return out[:h]
}

// pairStrip draws one process's pages: shared ones marked, its own ones
// solid, absent ones dotted. Pages beyond the width are bucketed.
func (m *Model) pairStrip(pages []procmaps.Page, shared []bool, w int) string {
	st := &m.styles
	if len(pages) == 0 {
		return st.Placeholder.Render("— not mapped in this process")
	}
	per := (len(pages) + w - 1) / w
	var b strings.Builder
	for i := 0; i < len(pages); i += per {
		sh, own := 0, 0
		for k := i; k < min(i+per, len(pages)); k++ {
			switch {
			case k < len(shared) && shared[k]:
				sh++
			case pages[k].Present():
				own++
			}
		}
		switch {
		case sh == 0 && own == 0:
			b.WriteString(st.FieldMeaning.Render("·"))
		case sh >= own:
			b.WriteString(st.PageShared.Render("▀"))
		default:
			b.WriteString(st.PageExclusive.Render("█"))
		}
	}
	return b.String()
}

// framesKnown reports whether the pagemap shows frame numbers (root).
func framesKnown(pages []procmaps.Page) bool {
	for _, p := range pages {
		if p.Present() && p.PFN() != 0 {
			return true
		}
	}
	return false
}
