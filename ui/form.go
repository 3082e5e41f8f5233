package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// fieldKind says how a form field is edited.
type fieldKind uint8

const (
	fieldText  fieldKind = iota // typed text: a length, an address, a path
	fieldFlags                  // several options, each on or off: PROT_READ, PROT_WRITE
	fieldOne                    // one option of several: MAP_SHARED or MAP_PRIVATE
)

// field is one line of an action form.
type field struct {
	name  string // the label, "length"
	kind  fieldKind
	input textinput.Model // fieldText
	opts  []string        // fieldFlags, fieldOne: the options as C names them
	on    []bool          // fieldFlags: which are set
	pick  int             // fieldOne: the chosen option
	cur   int             // fieldFlags, fieldOne: the option under the cursor
	err   string          // why the value is not valid, "" when it is
	note  string          // a remark that does not block: "rounded up to 8192"
	hide  bool            // not shown nor used (depends on another field)
}

// value is a text field's content.
func (f *field) value() string { return f.input.Value() }

// set reports whether option name of a flags field is on, or is the choice
// of a one-of field.
func (f *field) set(name string) bool {
	for i, o := range f.opts {
		if o == name {
			if f.kind == fieldOne {
				return f.pick == i
			}
			return f.on[i]
		}
	}
	return false
}

// choice is the chosen option of a one-of field.
func (f *field) choice() string { return f.opts[f.pick] }

// form is an action's form: fields, the C it will run, and whether it may
// run. compile reads the fields, marks the invalid ones and returns the
// action, or nil while something is invalid: nothing reaches the process
// until every field is valid.
type form struct {
	title   string
	fields  []*field
	focus   int
	compile func(f *form) action
	act     action // the last compile's result
}

// newTextField returns a text field holding value.
func newTextField(name, value, placeholder string) *field {
	in := textinput.New()
	in.Prompt = ""
	in.SetValue(value)
	in.Placeholder = placeholder
	in.CharLimit = 4096
	return &field{name: name, kind: fieldText, input: in}
}

// newFlagsField returns a field of options, each on or off.
func newFlagsField(name string, opts []string, on ...string) *field {
	f := &field{name: name, kind: fieldFlags, opts: opts, on: make([]bool, len(opts))}
	for i, o := range opts {
		for _, x := range on {
			if o == x {
				f.on[i] = true
			}
		}
	}
	return f
}

// newOneField returns a field of options of which one is chosen.
func newOneField(name string, opts []string, pick string) *field {
	f := &field{name: name, kind: fieldOne, opts: opts}
	for i, o := range opts {
		if o == pick {
			f.pick, f.cur = i, i
		}
	}
	return f
}

// field returns the field called name.
func (fm *form) field(name string) *field {
	for _, f := range fm.fields {
		if f.name == name {
			return f
		}
	}
	panic("form " + fm.title + " has no field " + name)
}

// refresh recompiles the form after an edit.
func (fm *form) refresh() {
	for _, f := range fm.fields {
		f.err, f.note = "", ""
	}
	fm.act = fm.compile(fm)
	if fm.fields[fm.focus].hide {
		fm.move(1)
	}
}

// start focuses the first field and compiles the form.
func (fm *form) start() tea.Cmd {
	fm.focus = 0
	fm.refresh()
	return fm.focusCurrent()
}

// focusCurrent gives the keyboard to the focused field.
func (fm *form) focusCurrent() tea.Cmd {
	var cmd tea.Cmd
	for i, f := range fm.fields {
		if f.kind != fieldText {
			continue
		}
		if i == fm.focus {
			cmd = f.input.Focus()
			f.input.CursorEnd()
		} else {
			f.input.Blur()
		}
	}
	return cmd
}

// move moves the focus by d visible fields, wrapping around.
func (fm *form) move(d int) tea.Cmd {
	n := len(fm.fields)
	for range n {
		fm.focus = ((fm.focus+d)%n + n) % n
		if !fm.fields[fm.focus].hide {
			break
		}
	}
	return fm.focusCurrent()
}

// key handles a key that is not enter, esc or a focus move: it edits the
// focused field.
func (fm *form) key(msg tea.KeyPressMsg) tea.Cmd {
	f := fm.fields[fm.focus]
	var cmd tea.Cmd
	switch f.kind {
	case fieldText:
		f.input, cmd = f.input.Update(msg)
	default:
		switch msg.String() {
		case "left", "h":
			f.cur = (f.cur + len(f.opts) - 1) % len(f.opts)
			if f.kind == fieldOne {
				f.pick = f.cur
			}
		case "right", "l":
			f.cur = (f.cur + 1) % len(f.opts)
			if f.kind == fieldOne {
				f.pick = f.cur
			}
		case "space", "x":
			if f.kind == fieldFlags {
				f.on[f.cur] = !f.on[f.cur]
			} else {
				f.cur = (f.cur + 1) % len(f.opts)
				f.pick = f.cur
			}
		default:
			return nil
		}
	}
	fm.refresh()
	return cmd
}

// paste hands a paste (or a cursor blink) to the focused text field.
func (fm *form) update(msg tea.Msg) tea.Cmd {
	f := fm.fields[fm.focus]
	if f.kind != fieldText {
		return nil
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	fm.refresh()
	return cmd
}

// firstError is the message of the first invalid field, "" when all are
// valid.
func (fm *form) firstError() string {
	for _, f := range fm.fields {
		if f.err != "" && !f.hide {
			return f.name + ": " + f.err
		}
	}
	return ""
}

// view draws the form in a box of width w: one line per field with its
// error or note under it, then the C the form will run.
func (fm *form) view(st *Styles, w int) string {
	inner := max(1, w-2)
	labelW := 0
	for _, f := range fm.fields {
		if !f.hide {
			labelW = max(labelW, len(f.name))
		}
	}
	var lines []string
	for i, f := range fm.fields {
		if f.hide {
			continue
		}
		label := st.FieldKey.Render(fmt.Sprintf("%-*s", labelW, f.name))
		marker := "  "
		if i == fm.focus {
			marker = st.FormFocus.Render("▸ ")
		}
		var val string
		switch f.kind {
		case fieldText:
			f.input.SetWidth(max(1, inner-labelW-5))
			val = f.input.View()
		default:
			var opts []string
			for j, o := range f.opts {
				box := "( ) "
				on := f.kind == fieldOne && f.pick == j || f.kind == fieldFlags && f.on[j]
				if f.kind == fieldFlags {
					box = "[ ] "
					if on {
						box = "[x] "
					}
				} else if on {
					box = "(•) "
				}
				s := box + o
				switch {
				case i == fm.focus && j == f.cur:
					s = st.Selected.Render(s)
				case on:
					s = st.FieldValue.Render(s)
				default:
					s = st.FieldMeaning.Render(s)
				}
				opts = append(opts, s)
			}
			val = strings.Join(opts, " ")
		}
		lines = append(lines, fitWidth(marker+label+"  "+val, inner))
		switch {
		case f.err != "":
			lines = append(lines, fitWidth(strings.Repeat(" ", labelW+4)+st.StatusError.Render("✖ "+f.err), inner))
		case f.note != "":
			lines = append(lines, fitWidth(strings.Repeat(" ", labelW+4)+st.Note.Render(f.note), inner))
		}
	}
	lines = append(lines, "")
	if fm.act != nil {
		for _, l := range strings.Split(fm.act.text(), "\n") {
			lines = append(lines, fitWidth(st.Preview.Render(l), inner))
		}
	} else {
		lines = append(lines, fitWidth(st.StatusError.Render("fix the field marked ✖ to run the call"), inner))
	}
	lines = append(lines, fitWidth(st.FieldMeaning.Render("enter runs · tab/↑↓ field · ←→ space option · esc cancels"), inner))
	out := []string{rule(st, fm.title, w)}
	for _, l := range lines {
		out = append(out, fitWidth("  "+l, w))
	}
	return strings.Join(out, "\n")
}

// height is how many lines view draws.
func (fm *form) height() int {
	n := 1 + 1 + 1 // title, blank, help
	for _, f := range fm.fields {
		if f.hide {
			continue
		}
		n++
		if f.err != "" || f.note != "" {
			n++
		}
	}
	if fm.act != nil {
		n += strings.Count(fm.act.text(), "\n") + 1
	} else {
		n++
	}
	return n
}

// rule is a pane's title line: "── title ───…" across w cells.
func rule(st *Styles, title string, w int) string {
	head := st.PaneBorder.Render("── ") + st.PaneTitle.Render(title) + " "
	rest := max(0, w-ansi.StringWidth(head))
	return fitWidth(head+st.PaneBorder.Render(strings.Repeat("─", rest)), w)
}

// focusLine is the line of view's output that holds the focused field.
func (fm *form) focusLine() int {
	n := 1 // the title rule
	for i, f := range fm.fields {
		if f.hide {
			continue
		}
		if i == fm.focus {
			return n
		}
		n++
		if f.err != "" || f.note != "" {
			n++
		}
	}
	return n
}
