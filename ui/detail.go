package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"mapscope/procmaps"
)

// privateNote is the classic confusion the detail pane clears up.
const privateNote = `"Private" in smaps means mapped by this process only, not MAP_PRIVATE: ` +
	`a MAP_PRIVATE page that a fork child still shares counts as Shared.`

// detailPane shows the smaps entry of the selected mapping. Its content
// is laid out in Update (sync) so View only slices it and scrolling knows
// its length.
type detailPane struct {
	shown   bool
	place   placement
	width   int
	height  int
	scroll  int
	lines   []string
	smaps   *procmaps.Smaps
	err     error
	errAt   uint64 // start address the error is about
	loading bool   // a read is in flight
	gone    bool   // the process has exited: nothing more can be read
	again   bool   // another read was asked for while it was
	seq     int    // number of the latest read

	pages  *pagesData // the selected mapping's pagemap and memory
	memOff uint64     // where the memory view starts, from the mapping's start
}

// SetSize sets the pane's outer size and where it sits.
func (d *detailPane) SetSize(w, h int, p placement) {
	d.width, d.height, d.place = max(0, w), max(0, h), p
	d.clampScroll()
}

// inner returns the size of the text area inside the pane's frame: a
// rule on the left beside the table, on top below it.
func (d *detailPane) inner() (w, h int) {
	switch d.place {
	case paneRight:
		return d.width - 2, d.height
	case paneBelow:
		return d.width - 2, d.height - 1
	}
	return d.width - 1, d.height
}

func (d *detailPane) scrollBy(n int) {
	d.scroll += n
	d.clampScroll()
}

func (d *detailPane) clampScroll() {
	_, h := d.inner()
	d.scroll = min(max(0, d.scroll), max(0, len(d.lines)-h))
}

// sync lays out the content for mapping m (nil when nothing is selected).
func (d *detailPane) sync(st *Styles, m *procmaps.Mapping, ghost bool) {
	w, _ := d.inner()
	d.lines = nil // a new slice: copies of the model must not share one
	if w <= 0 {
		return
	}
	add := func(s string) { d.lines = append(d.lines, s) }
	if m == nil {
		add(st.Placeholder.Render(truncate("no mapping selected", w)))
		d.clampScroll()
		return
	}
	add(st.PaneTitle.Render(truncate(printable(m.Label()), w)))
	var b []byte
	b = appendHex(b, m.Start, 8)
	b = append(b, '-')
	b = appendHex(b, m.End, 8)
	add(st.FieldMeaning.Render(truncate(string(b)+"  "+m.Perms.String()+"  "+procmaps.FormatSize(m.Size())+"  "+m.Kind.String(), w)))
	add("")
	if pd := d.pages; pd != nil && pd.start == m.Start && !ghost {
		add(st.FieldKey.Render("Pages") + "  " + st.FieldMeaning.Render(truncate("from /proc/PID/pagemap, read for this mapping only", max(0, w-7))))
		d.lines = append(d.lines, stripLines(st, pd, w, 4)...)
		add("")
		add(st.FieldKey.Render("Memory") + "  " + st.FieldMeaning.Render(truncate("as the process reads it · [ ] move", max(0, w-8))))
		d.lines = append(d.lines, memLines(st, pd, m, w)...)
		add("")
	}
	switch {
	case ghost:
		d.wrap(st.Note.Render, "This mapping is gone: the process no longer has it. It stays on screen for a moment so the change is seen.", w, 0)
	case d.smaps != nil && d.smaps.Mapping.Start == m.Start:
		d.fields(st, w)
	case d.err != nil && d.errAt == m.Start:
		d.wrap(st.StatusError.Render, "smaps: "+printable(d.err.Error()), w, 0)
	case d.gone:
		d.wrap(st.Placeholder.Render, "The process is gone: its smaps can no longer be read.", w, 0)
	default:
		add(st.Placeholder.Render(truncate("reading smaps…", w)))
	}
	d.clampScroll()
}

// fields lays out every smaps field with its meaning, then the VmFlags
// in words, then the note on "Private".
func (d *detailPane) fields(st *Styles, w int) {
	keyW, valW := 0, 0
	for _, f := range d.smaps.Fields {
		if f.Key != "VmFlags" {
			keyW = max(keyW, len(f.Key))
			valW = max(valW, ansi.StringWidth(f.Value))
		}
	}
	keyW, valW = min(keyW, 16), min(valW, 12)
	meanW := w - keyW - valW - 3
	for _, f := range d.smaps.Fields {
		meaning := procmaps.FieldMeaning(f.Key)
		if f.Key == "VmFlags" {
			d.lines = append(d.lines, "")
			d.lines = append(d.lines, truncate(st.FieldKey.Render("VmFlags")+"  "+st.FieldMeaning.Render(meaning), w))
			for _, fl := range d.smaps.VmFlags {
				words := fl.Meaning
				if words == "" {
					words = "not known to this version"
				}
				line := "  " + st.FieldValue.Render(string(pad(nil, printable(fl.Code), 2, false))) + "  "
				d.wrapAfter(line, st.FieldMeaning.Render, words, w, 6)
			}
			continue
		}
		head := st.FieldKey.Render(string(pad(nil, f.Key, keyW, false))) + " " +
			st.FieldValue.Render(string(pad(nil, printable(f.Value), valW, true))) + "  "
		switch {
		case meaning == "":
			d.lines = append(d.lines, truncate(head, w))
		case meanW >= 16:
			d.wrapAfter(head, st.FieldMeaning.Render, meaning, w, keyW+valW+3)
		default:
			d.lines = append(d.lines, truncate(head, w))
			d.wrap(st.FieldMeaning.Render, meaning, w, 2)
		}
	}
	d.lines = append(d.lines, "")
	d.wrap(st.Note.Render, privateNote, w, 0)
}

// wrapAfter adds head followed by text wrapped to the width left, its
// continuation lines indented to column indent.
func (d *detailPane) wrapAfter(head string, style func(...string) string, text string, w, indent int) {
	if w-indent < 8 {
		d.lines = append(d.lines, truncate(head, w))
		d.wrap(style, text, w, 2)
		return
	}
	for i, l := range strings.Split(ansi.Wordwrap(text, w-indent, ""), "\n") {
		l = truncate(l, w-indent)
		if i == 0 {
			d.lines = append(d.lines, head+style(l))
		} else {
			d.lines = append(d.lines, strings.Repeat(" ", indent)+style(l))
		}
	}
}

// wrap adds text wrapped to width w, indented by indent.
func (d *detailPane) wrap(style func(...string) string, text string, w, indent int) {
	tw := max(1, w-indent)
	for _, l := range strings.Split(ansi.Wordwrap(text, tw, ""), "\n") {
		d.lines = append(d.lines, strings.Repeat(" ", min(indent, w))+style(truncate(l, tw)))
	}
}

// View renders the pane in its frame, exactly width×height.
func (d *detailPane) View(st *Styles) string {
	if d.width <= 0 || d.height <= 0 {
		return ""
	}
	w, h := d.inner()
	body := make([]string, 0, d.height)
	if d.place == paneBelow {
		body = append(body, st.PaneBorder.Render(strings.Repeat("─", d.width)))
	}
	end := min(d.scroll+h, len(d.lines))
	for i := d.scroll; i < d.scroll+h; i++ {
		var l string
		switch {
		case i == d.scroll && d.scroll > 0:
			l = st.Placeholder.Render(truncate("↑ "+strconv.Itoa(d.scroll)+" more · ctrl+u", w))
		case i == d.scroll+h-1 && end < len(d.lines):
			l = st.Placeholder.Render(truncate("↓ "+strconv.Itoa(len(d.lines)-end+1)+" more · ctrl+d", w))
		case i < end:
			l = d.lines[i]
		}
		body = append(body, d.frameLine(st, fitWidth(l, max(0, w))))
	}
	return strings.Join(body, "\n")
}

// frameLine puts the pane's frame around one line of text.
func (d *detailPane) frameLine(st *Styles, l string) string {
	switch d.place {
	case paneRight:
		if d.width < 2 {
			return fitWidth(st.PaneBorder.Render("│"), d.width)
		}
		return st.PaneBorder.Render("│") + " " + l
	case paneBelow:
		return " " + l + " "
	}
	return " " + l
}
