package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"mapscope/procmaps"
)

// colID names a data column of the mapping table.
type colID uint8

const (
	colStart colID = iota
	colEnd
	colSize
	colPerms
	colOffset
	colDev
	colInode
	colKind // only without colour, where it replaces the row colours
)

// column is one laid-out column.
type column struct {
	id    colID
	title string
	width int
	right bool
}

const (
	markerWidth = 2  // the change marker and a space
	colGap      = 2  // spaces between columns
	minLabel    = 36 // the "what is it" column keeps at least this much before columns go
	sizeWidth   = 5  // humanSize is never wider
)

// dropOrder is the order in which columns give way on narrow terminals.
var dropOrder = []colID{colInode, colDev, colOffset, colEnd, colSize, colKind, colPerms, colStart}

// table is the virtualised mapping table: however many rows it holds, a
// frame formats only the ones on screen.
type table struct {
	rows          rowSet
	sel, offset   int
	width, height int // height includes the column-title line
	mono          bool
	cols          []column
	labelWidth    int
	empty         string // shown when there are no rows
}

// SetSize sets the table's outer size and lays the columns out again.
func (t *table) SetSize(w, h int) {
	t.width, t.height = max(0, w), max(0, h)
	t.layoutColumns()
	t.clamp()
}

// visible returns how many rows fit under the column titles.
func (t *table) visible() int { return max(0, t.height-1) }

// setRows replaces the row list and keeps the selection on the same
// mapping, at the same line of the screen when it can.
func (t *table) setRows(rs rowSet) {
	addr, ghost, had := uint64(0), false, false
	if m, g, ok := t.selected(); ok {
		addr, ghost, had = m.Start, g, true
	}
	line := t.sel - t.offset
	t.rows = rs
	if had {
		if i := rs.find(addr, ghost); i >= 0 {
			t.sel = i
			t.offset = i - line
		}
	}
	t.layoutColumns()
	t.clamp()
}

// selected returns the selected mapping and whether it is a ghost.
func (t *table) selected() (*procmaps.Mapping, bool, bool) {
	if t.sel < 0 || t.sel >= len(t.rows.refs) {
		return nil, false, false
	}
	r := t.rows.refs[t.sel]
	return t.rows.mapping(r), r.ghost, true
}

// moveBy moves the selection by d rows.
func (t *table) moveBy(d int) {
	t.sel += d
	t.clamp()
}

// moveTo selects row i.
func (t *table) moveTo(i int) {
	t.sel = i
	t.clamp()
}

// scrollBy moves the view by d rows, taking the selection along only when
// it would leave the screen.
func (t *table) scrollBy(d int) {
	n, vis := len(t.rows.refs), t.visible()
	t.offset = min(max(0, t.offset+d), max(0, n-vis))
	if vis > 0 {
		t.sel = min(max(t.sel, t.offset), t.offset+vis-1)
	}
	t.clamp()
}

// rowAt returns the row shown on line y of the table (0 is the titles).
func (t *table) rowAt(y int) (int, bool) {
	i := t.offset + y - 1
	if y < 1 || y > t.visible() || i >= len(t.rows.refs) {
		return 0, false
	}
	return i, true
}

// clamp keeps the selection on a row and on the screen, and the view
// inside the list.
func (t *table) clamp() {
	n, vis := len(t.rows.refs), t.visible()
	t.sel = min(max(t.sel, 0), max(0, n-1))
	if vis > 0 {
		if t.sel < t.offset {
			t.offset = t.sel
		}
		if t.sel >= t.offset+vis {
			t.offset = t.sel - vis + 1
		}
	}
	t.offset = min(max(t.offset, 0), max(0, n-vis))
}

// layoutColumns chooses the columns that fit, dropping them in dropOrder
// until the "what is it" column has room.
func (t *table) layoutColumns() {
	w := t.rows.widths
	all := []column{
		{colStart, "start", w.addr, true},
		{colEnd, "end", w.addr, true},
		{colSize, "size", sizeWidth, true},
		{colPerms, "perms", 5, false},
		{colOffset, "offset", w.offset, true},
		{colDev, "dev", w.dev, false},
		{colInode, "inode", w.inode, true},
	}
	if t.mono {
		all = append(all, column{colKind, "kind", w.kind, false})
	}
	used := func(cs []column) int {
		n := markerWidth
		for _, c := range cs {
			n += c.width + colGap
		}
		return n
	}
	for _, drop := range dropOrder {
		if t.width-used(all) >= minLabel {
			break
		}
		for i, c := range all {
			if c.id == drop {
				all = append(all[:i], all[i+1:]...)
				break
			}
		}
	}
	t.cols = all
	t.labelWidth = max(0, t.width-used(all))
}

// View renders the column titles and the visible rows, each exactly
// t.width cells wide, t.height lines in all.
func (t *table) View(st *Styles, hl *highlights, now time.Time) string {
	if t.width <= 0 || t.height <= 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(t.height * (t.width + 64))
	line := make([]byte, 0, 256)

	line = append(line, "  "...)
	for _, c := range t.cols {
		line = pad(line, c.title, c.width, c.right)
		line = append(line, "  "...)
	}
	line = append(line, "what is it"...)
	b.WriteString(st.ColumnTitle.Render(fitWidth(string(line), t.width)))

	vis := t.visible()
	if len(t.rows.refs) == 0 && vis > 0 {
		b.WriteByte('\n')
		b.WriteString(st.Placeholder.Render(fitWidth("  "+t.empty, t.width)))
		vis--
	}
	end := min(t.offset+vis, len(t.rows.refs))
	for i := t.offset; i < end; i++ {
		b.WriteByte('\n')
		b.WriteString(t.renderRow(line[:0], i, st, hl, now))
	}
	for i := max(0, end-t.offset); i < vis; i++ {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat(" ", t.width))
	}
	return b.String()
}

// renderRow formats row i as one styled line.
func (t *table) renderRow(line []byte, i int, st *Styles, hl *highlights, now time.Time) string {
	r := t.rows.refs[i]
	m := t.rows.mapping(r)
	var mk mark
	switch {
	case r.ghost:
		mk = mark{kind: markRemoved, at: t.rows.ghosts[r.idx].at, note: "removed"}
	default:
		mk = hl.marks[m.Start]
	}
	line = append(line, mk.kind.symbol(), ' ')
	var tmp [32]byte
	for _, c := range t.cols {
		var cell []byte
		switch c.id {
		case colStart:
			cell = appendHex(tmp[:0], m.Start, 8)
		case colEnd:
			cell = appendHex(tmp[:0], m.End, 8)
		case colSize:
			cell = append(tmp[:0], procmaps.FormatSize(m.Size())...)
		case colPerms:
			cell = append(tmp[:0], m.Perms.String()...)
		case colOffset:
			cell = appendHex(tmp[:0], m.Offset, 8)
		case colDev:
			cell = appendHex(tmp[:0], uint64(m.Major), 2)
			cell = append(cell, ':')
			cell = appendHex(cell, uint64(m.Minor), 2)
		case colInode:
			cell = strconv.AppendUint(tmp[:0], m.Inode, 10)
		case colKind:
			cell = append(tmp[:0], m.Kind.String()...)
		}
		line = pad(line, string(cell), c.width, c.right)
		line = append(line, "  "...)
	}
	label := printable(m.Label())
	if mk.kind != markNone && mk.note != "" {
		note := "  ← " + mk.note
		if room := t.labelWidth - ansi.StringWidth(note); room >= 8 {
			label = truncate(label, room) + note
		}
	}
	text := string(line) + fitWidth(label, t.labelWidth)
	if t.labelWidth == 0 {
		text = fitWidth(text, t.width)
	}

	style := st.kind(m.Kind)
	if mk.kind != markNone {
		step := min(hl.step(mk.at, now), fadeSteps-1)
		switch mk.kind {
		case markAdded:
			style = st.Added[step]
		case markChanged:
			style = st.Changed[step]
		case markRemoved:
			style = st.Removed[step]
		}
	}
	if i == t.sel {
		style = st.Selected.Strikethrough(r.ghost)
	}
	return style.Render(text)
}

// pad appends s to b, padded with spaces to w bytes (the columns it is
// used for hold ASCII only).
func pad(b []byte, s string, w int, right bool) []byte {
	if len(s) > w {
		s = s[:w]
	}
	if !right {
		b = append(b, s...)
	}
	for range w - len(s) {
		b = append(b, ' ')
	}
	if right {
		b = append(b, s...)
	}
	return b
}
