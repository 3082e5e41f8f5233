package ui

import (
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"mapscope/procmaps"
)

// addrMapAddrAt is the strip height from which the first and last lines
// show the addresses of the top and the bottom of the strip.
const addrMapAddrAt = 10

// addrMap is the address-space map: a vertical strip, drawn beside the
// mapping table, of the whole user address space — the lecture's slide
// "The address space". It keeps its last layout, so that a click on a
// line can be mapped back to a mapping (rowAt) and an unchanged snapshot
// is not laid out again each frame. The root model should hold it by
// pointer, or lay it out in Update, so the layout View makes is the one
// rowAt reads.
type addrMap struct {
	key   addrMapKey
	bands []mapBand
	addr  bool // the first and last lines show addresses
}

// addrMapKey identifies the layout held: the same snapshot slice (they are
// never changed in place) at the same height.
type addrMapKey struct {
	first *procmaps.Mapping
	n, h  int
}

// mapBand is one line of the strip: either part of a region (a run of
// mappings without a large gap between them) or a gap.
type mapBand struct {
	gap bool
	// size is the unmapped bytes of a gap, or the bytes of the mappings
	// whose home this line is.
	size uint64
	// first and last are the mappings (indices into the snapshot, first <=
	// last) whose home this line is; on a continuation line (cont) they are
	// both the mapping that spans it. -1 for gaps.
	first, last int
	// main is the largest mapping of the line: the one a click selects.
	main int
	cont bool          // the line continues a mapping whose home is another line
	kind procmaps.Kind // the kind with the most bytes on the line
	// region numbers the regions from the bottom (0: lowest addresses).
	region int
	// label is the gap's size ("127T unmapped"), or the name of main
	// followed by how many more mappings share the line ("libc.so.6 +2").
	label string
}

// has reports whether mapping i is drawn on the line.
func (b *mapBand) has(i int) bool { return !b.gap && b.first <= i && i <= b.last }

// layoutAddrMap lays out the address space of ms (ascending and not
// overlapping, as in a Snapshot) on h lines. It returns exactly h bands
// (none for h <= 0), top line first.
//
// High addresses are at the top, as the lecture's slide draws it: the
// stack (and [vsyscall] above the end of user space) on the first lines,
// the program's code near the bottom, address 0 below the last line.
//
// The strip runs from 0 to userTop (number.go). Mappings above it —
// [vsyscall] at 0xffffffffff600000 — are drawn at the top of the strip,
// above the gap that ends user space; the kernel's half of the address
// space between is not counted as unmapped.
//
// The rules:
//
//   - Mappings are grouped into regions, split at the largest gaps first,
//     so that every region and every gap between two regions gets a line
//     of its own: with g splitting gaps there are g+1 regions and 2g+1 lines
//     (plus a line for the gap below the first mapping and one for the gap
//     above the last, when there are such gaps and room for them). Gaps of
//     the same size are all taken or none are, so the picture never
//     depends on which of equal gaps comes first (65,000 mappings with 4K
//     holes between them are one region, not 20 regions and a long tail).
//     Smaller gaps stay inside their region.
//   - Each gap between regions, and each edge gap, is one line labelled
//     with its size, however large: a 127T hole and a 4K one look alike but
//     for the label.
//   - Every region gets at least one line. The lines left over are handed
//     out by the D'Hondt method in proportion to 1 + log2(mapped bytes /
//     4K): a 4K region weighs 1, an 8G one 22, so small regions stay
//     visible next to big ones. A region with more bytes than another
//     never gets fewer lines.
//   - Inside a region, each mapping weighs 1 + floor(log2(pages)); the
//     region's lines are equal slices of the total weight, and each mapping
//     lives on the line that holds the middle of its slice. A line may hold
//     many mappings (first..last) or none: then it continues the mapping
//     that spans it (cont).
//
// It reads ms twice, once to choose the splitting gaps and once to fill
// the lines: 65,000 mappings are 4 MB, so each pass costs.
func layoutAddrMap(ms []procmaps.Mapping, h int) []mapBand {
	if h <= 0 {
		return nil
	}
	bands := make([]mapBand, h)
	n := len(ms)
	if n == 0 {
		for y := range bands {
			bands[y] = mapBand{gap: true, first: -1, last: -1, main: -1, region: -1}
		}
		bands[h/2] = gapBand(userTop)
		return bands
	}

	var top uint64
	if ms[n-1].End < userTop {
		top = userTop - ms[n-1].End
	}
	bottom := ms[0].Start
	// The edge gaps get a line each when there is room; the smaller one
	// gives way first.
	showTop, showBottom := top > 0, bottom > 0
	edgeLines := func() int {
		n := 0
		for _, on := range [2]bool{showTop, showBottom} {
			if on {
				n++
			}
		}
		return n
	}
	for 1+edgeLines() > h {
		if showBottom && (!showTop || bottom <= top) {
			showBottom = false
		} else {
			showTop = false
		}
	}
	edges := edgeLines()

	splits, end := largestGaps(ms, (h-1-edges)/2)
	regions := make([]mapRegion, 0, len(splits)+1)
	var below gapMark
	for _, above := range append(splits, end) {
		regions = append(regions, mapRegion{lo: below.at, hi: above.at - 1, lines: 1,
			bytes: above.bytes - below.bytes, weight: int(above.weight - below.weight)})
		below = above
	}
	spareLines(regions, h-edges-2*len(regions)+1)

	y := 0
	if showTop {
		bands[y] = gapBand(top)
		y++
	}
	for r := len(regions) - 1; r >= 0; r-- {
		reg := regions[r]
		fillRegion(bands[y:y+reg.lines], ms, reg, r)
		y += reg.lines
		if r > 0 {
			bands[y] = gapBand(gapBetween(ms[reg.lo-1], ms[reg.lo]))
			y++
		}
	}
	if showBottom {
		bands[y] = gapBand(bottom)
	}
	return bands
}

// mapRegion is a run of mappings, lo..hi, drawn on lines lines.
type mapRegion struct {
	lo, hi int
	bytes  uint64
	weight int // the sum of its mappings' pageWeight
	lines  int
}

// gapBand is the line of a gap of size bytes.
func gapBand(size uint64) mapBand {
	return mapBand{gap: true, size: size, first: -1, last: -1, main: -1, region: -1,
		label: procmaps.FormatSize(size) + " unmapped"}
}

// gapBetween returns the unmapped bytes between two consecutive mappings,
// not counting the kernel's half of the address space when b lies above
// the end of user space.
func gapBetween(a, b procmaps.Mapping) uint64 { return gapFrom(a.End, b.Start) }

// gapFrom is gapBetween for a mapping that ends at lo and the next that
// starts at hi.
func gapFrom(lo, hi uint64) uint64 {
	if lo < userTop && hi > userTop {
		hi = userTop
	}
	if hi <= lo {
		return 0
	}
	return hi - lo
}

// gapMark is a gap seen by largestGaps: its size, the mapping after it,
// and the sums of the sizes and of the page weights of the mappings below.
type gapMark struct {
	size          uint64
	at            int
	bytes, weight uint64
}

// largestGaps chooses, in one pass over ms, the gaps that split regions:
// the largest gaps first, at most k of them, and of gaps of equal size all
// or none. It returns them in ascending order, and a mark for the end of
// ms with the sums over all of it.
func largestGaps(ms []procmaps.Mapping, k int) (splits []gapMark, end gapMark) {
	k = max(k, 0)
	top := make([]gapMark, 0, k+1) // the k+1 largest gaps, descending
	for i := range ms {
		start, stop := ms[i].Start, ms[i].End
		if i > 0 {
			g := gapFrom(ms[i-1].End, start)
			if g > 0 && (len(top) <= k || g > top[k].size) {
				j := len(top)
				if j <= k {
					top = append(top, gapMark{})
				} else {
					j = k
				}
				for j > 0 && top[j-1].size < g {
					top[j] = top[j-1]
					j--
				}
				top[j] = gapMark{size: g, at: i, bytes: end.bytes, weight: end.weight}
			}
		}
		size := stop - start
		end.bytes += size
		end.weight += uint64(pageWeight(size))
	}
	end.at = len(ms)
	n := len(top)
	if n > k {
		// top[k] cannot have a line, nor can the gaps as large as it.
		n = k
		for n > 0 && top[n-1].size == top[k].size {
			n--
		}
	}
	splits = top[:n]
	slices.SortFunc(splits, func(a, b gapMark) int { return a.at - b.at })
	return splits, end
}

// spareLines hands out spare lines to regions, one at a time, each to the
// region with the highest weight / (lines + 1) (D'Hondt). Since weight
// grows with bytes, a larger region never ends with fewer lines.
func spareLines(regions []mapRegion, spare int) {
	if spare <= 0 || len(regions) == 0 {
		return
	}
	weights := make([]float64, len(regions))
	for i, r := range regions {
		weights[i] = 1 + math.Log2(float64(max(r.bytes, 4096))/4096)
	}
	for range spare {
		best, bestQ := 0, -1.0
		for i, r := range regions {
			q := weights[i] / float64(r.lines+1)
			if q > bestQ || q == bestQ && weights[i] > weights[best] {
				best, bestQ = i, q
			}
		}
		regions[best].lines++
	}
}

// pageWeight is the weight of a mapping inside its region: 1 + floor(log2
// of its pages), so 4K weighs 1, 2M 10 and 8G 22.
func pageWeight(size uint64) int { return max(1, bits.Len64(size>>12)) }

// fillRegion lays out region reg (number r) on the lines out, top-down,
// in one pass over its mappings. Counting from the top of the region,
// mapping i takes the slice [c, c+w) of the region's weight, and its home
// is the line holding the slice's middle: the y with
// y·2·total <= (2c+w)·lines < (y+1)·2·total. The middle of line y,
// (2y+1)·total / (2·lines), lies in one mapping: the one a line without
// a home continues.
func fillRegion(out []mapBand, ms []procmaps.Mapping, reg mapRegion, r int) {
	lines, total := len(out), reg.weight
	spans := make([]int, lines) // the mapping over the middle of each line
	for y := range out {
		out[y] = mapBand{first: -1, last: -1, main: -1, region: r}
	}
	var byKind [256]uint64 // bytes by procmaps.Kind on line y
	c, y, mid := 0, 0, 0
	for i := reg.hi; i >= reg.lo; i-- {
		m := &ms[i]
		size := m.End - m.Start
		w := pageWeight(size)
		for (2*c+w)*lines >= (y+1)*2*total && y < lines-1 {
			out[y].kind = dominantKind(&byKind, out[y].kind)
			y++
		}
		b := &out[y]
		if b.last < 0 {
			b.last, b.main = i, i
		}
		b.first = i
		b.size += size
		byKind[m.Kind] += size
		if size > ms[b.main].End-ms[b.main].Start {
			b.main = i
		}
		c += w
		for mid < lines && (2*mid+1)*total < 2*lines*c {
			spans[mid] = i
			mid++
		}
	}
	out[y].kind = dominantKind(&byKind, out[y].kind)
	for y := range out {
		b := &out[y]
		if b.last < 0 {
			i := spans[y]
			*b = mapBand{first: i, last: i, main: i, cont: true, region: r, size: ms[i].Size(), kind: ms[i].Kind}
			continue
		}
		b.label = bandLabel(ms, b.main, b.last-b.first)
	}
}

// dominantKind returns the kind with the most bytes (or def when there
// are none) and clears the counts.
func dominantKind(byKind *[256]uint64, def procmaps.Kind) procmaps.Kind {
	k, most := def, uint64(0)
	for i, n := range byKind {
		if n > most {
			k, most = procmaps.Kind(i), n
		}
	}
	*byKind = [256]uint64{}
	return k
}

// bandLabel names mapping i and the more mappings that share its line.
func bandLabel(ms []procmaps.Mapping, i, more int) string {
	s := shortName(ms[i])
	if more > 0 {
		s += " +" + strconv.Itoa(more)
	}
	return s
}

// lineLabel names mapping m in at most w cells, with the count of more
// mappings on its line ("libc.so.6 +2"; the name is cut first, so the
// count stays) or, alone on its line, with its perms and size as far as
// they fit whole ("libc.so.6 r-xp 1.3M").
func lineLabel(m procmaps.Mapping, more, w int) string {
	name := shortName(m)
	nw := ansi.StringWidth(name)
	if more > 0 {
		suffix := " +" + strconv.Itoa(more)
		if nw+len(suffix) <= w {
			return name + suffix
		}
		if room := w - len(suffix); room >= 4 {
			return truncate(name, room) + suffix
		}
		return truncate(name, w)
	}
	if nw > w {
		return truncate(name, w)
	}
	for _, extra := range []string{m.Perms.String(), procmaps.FormatSize(m.Size())} {
		if nw+1+len(extra) > w {
			break
		}
		name += " " + extra
		nw += 1 + len(extra)
	}
	return name
}

// shortName is the name of a mapping on the strip: the base name of a
// file ("libc.so.6"), a POSIX shm object as shm_open names it ("/my_data"),
// or the bracketed name of anonymous memory ("[heap]", "[anon]"), made
// safe to print.
func shortName(m procmaps.Mapping) string {
	p := m.Path
	switch {
	case strings.HasPrefix(p, "/dev/shm/"):
		p = p[len("/dev/shm"):]
	case strings.HasPrefix(p, "/"):
		if i := strings.LastIndexByte(strings.TrimSuffix(p, " (deleted)"), '/'); i >= 0 && i < len(p)-1 {
			p = p[i+1:]
		}
	default:
		p = m.Label()
	}
	return printable(p)
}

// kindLetter names a kind by one letter, for NO_COLOR.
func kindLetter(k procmaps.Kind) string {
	switch k {
	case procmaps.KindAnonPrivate:
		return "A"
	case procmaps.KindAnonShared:
		return "Z" // shared zero pages: MAP_SHARED | MAP_ANONYMOUS
	case procmaps.KindCode:
		return "C"
	case procmaps.KindRodata:
		return "R"
	case procmaps.KindData:
		return "D"
	case procmaps.KindFileShared:
		return "F"
	case procmaps.KindShm:
		return "M"
	case procmaps.KindHeap:
		return "H"
	case procmaps.KindStack:
		return "S"
	case procmaps.KindSpecial:
		return "V"
	case procmaps.KindGuard:
		return "G"
	case procmaps.KindDeleted:
		return "X"
	}
	return "?"
}

// layout lays ms out for a w×h strip, reusing the last layout when
// neither the snapshot nor the height changed.
func (a *addrMap) layout(ms []procmaps.Mapping, w, h int) {
	a.addr = h >= addrMapAddrAt && len(addrText(ms, w)) > 0
	bh := h
	if a.addr {
		bh -= 2
	}
	key := addrMapKey{n: len(ms), h: bh}
	if len(ms) > 0 {
		key.first = &ms[0]
	}
	if key != a.key || a.bands == nil {
		a.key, a.bands = key, layoutAddrMap(ms, bh)
	}
}

// stripTop is the address above the strip's first line.
func stripTop(ms []procmaps.Mapping) uint64 {
	if n := len(ms); n > 0 && ms[n-1].End > userTop {
		return ms[n-1].End
	}
	return userTop
}

// addrText is the top address as it fits in w cells: "0x800000000000",
// or without 0x, or "" when it does not fit.
func addrText(ms []procmaps.Mapping, w int) string {
	s := strconv.FormatUint(stripTop(ms), 16)
	switch {
	case len(s)+2 <= w:
		return "0x" + s
	case len(s) <= w:
		return s
	}
	return ""
}

// rowAt returns the mapping drawn on line y of the strip (0: the top line)
// by the last View: the largest one on it. A gap, an address line or a
// line outside the strip has none.
func (a *addrMap) rowAt(y int) (mappingIndex int, ok bool) {
	if a.addr {
		y--
	}
	if y < 0 || y >= len(a.bands) || a.bands[y].gap {
		return 0, false
	}
	return a.bands[y].main, true
}

// View draws the strip of ms: exactly h lines of exactly w cells. Each
// line is a marker column (▶ on the lines of the selected mapping, sel, an
// index into ms or -1, whose lines are also in the selection style), a
// bar — █ in the colour of the line's kind, or the kind's letter with
// NO_COLOR; ░ in the muted style for a gap — and a label: the gap's size
// ("127T unmapped"), or the name of the line's main mapping, or of the
// selected one when it is on the line (see lineLabel). The first and last
// lines show the addresses of the top and the bottom of the strip when it
// is tall and wide enough. A strip narrower than 4 or shorter than 3 is
// blank.
func (a *addrMap) View(st *Styles, ms []procmaps.Mapping, sel int, w, h int) string {
	if h <= 0 {
		a.bands, a.addr = nil, false
		return ""
	}
	if w < 4 || h < 3 {
		a.bands, a.addr = nil, false
		return strings.TrimSuffix(strings.Repeat(strings.Repeat(" ", max(w, 0))+"\n", h), "\n")
	}
	a.layout(ms, w, h)

	barW := min(max((w+2)/7, 2), 4)
	labelW := w - 1 - barW - 1
	if labelW < 3 {
		barW, labelW = w-1, 0
	}
	gapBar := strings.Repeat("░", barW)
	fill := strings.Repeat("█", barW)
	// pad is the label column, " " and labelW cells, or nothing.
	pad := func(label string) string {
		if labelW == 0 {
			return ""
		}
		return " " + fitWidth(label, labelW)
	}

	var b strings.Builder
	b.Grow(h * (w + 48))
	if a.addr {
		b.WriteString(st.ColumnTitle.Render(fitWidth(addrText(ms, w), w)))
		b.WriteByte('\n')
	}
	for y := range a.bands {
		if y > 0 {
			b.WriteByte('\n')
		}
		band := &a.bands[y]
		if band.gap {
			label := band.label
			if len(label) > labelW {
				label = procmaps.FormatSize(band.size)
			}
			if band.label == "" {
				label = ""
			}
			b.WriteString(st.Placeholder.Render(" " + gapBar + pad(label)))
			continue
		}
		bar := fill
		if st.mono {
			bar = strings.Repeat(kindLetter(band.kind), barW)
		}
		selected := band.has(sel)
		label := ""
		if !band.cont && labelW > 0 {
			i := band.main
			if selected {
				i = sel
			}
			label = lineLabel(ms[i], band.last-band.first, labelW)
		}
		kind := st.kind(band.kind)
		if selected {
			b.WriteString(st.Selected.Render("▶"))
			b.WriteString(kind.Render(bar))
			b.WriteString(st.Selected.Render(pad(label)))
		} else {
			b.WriteString(kind.Render(" " + bar + pad(label)))
		}
	}
	if a.addr {
		b.WriteByte('\n')
		b.WriteString(st.ColumnTitle.Render(fitWidth("0x0", w)))
	}
	return b.String()
}
