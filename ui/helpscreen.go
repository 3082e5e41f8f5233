package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// helpGap separates the blocks of the help screen.
const helpGap = 4

// helpView draws the help screen, scrolled to m.helpTop, in w×h.
func (m *Model) helpView(w, h int) string {
	lines := m.helpLines(w)
	top := min(max(0, m.helpTop), max(0, len(lines)-h))
	out := make([]string, h)
	for i := range out {
		if top+i < len(lines) {
			out[i] = fitWidth(lines[top+i], w)
		} else {
			out[i] = strings.Repeat(" ", w)
		}
	}
	if top+h < len(lines) && h > 0 {
		out[h-1] = m.styles.Placeholder.Render(fitWidth("  ↓ more · j/↓ scrolls", w))
	}
	return strings.Join(out, "\n")
}

// scrollHelp moves the help screen by d lines.
func (m *Model) scrollHelp(d int) {
	s := m.scr
	n := len(m.helpLines(s.body.w))
	m.helpTop = min(max(0, m.helpTop+d), max(0, n-s.body.h))
}

// helpLines lays the help blocks out side by side as far as w allows.
func (m *Model) helpLines(w int) []string {
	blocks := m.helpBlocks()
	lines := []string{
		" " + m.styles.HelpTitle.Render("Help") + m.styles.HelpDesc.Render("  ·  ? or esc closes  ·  ↑↓ scroll"),
	}
	for len(blocks) > 0 {
		// Take as many blocks as fit next to each other.
		n, used := 0, 0
		for n < len(blocks) {
			bw := blockWidth(blocks[n])
			if n > 0 && used+helpGap+bw > w {
				break
			}
			used += bw
			if n > 0 {
				used += helpGap
			}
			n++
		}
		row := blocks[:n]
		blocks = blocks[n:]
		height := 0
		for _, b := range row {
			height = max(height, len(b))
		}
		lines = append(lines, "")
		for i := range height {
			var line strings.Builder
			line.WriteByte(' ')
			for j, b := range row {
				cell := ""
				if i < len(b) {
					cell = b[i]
				}
				if j < len(row)-1 {
					cell = fitWidth(cell, blockWidth(b)+helpGap)
				}
				line.WriteString(cell)
			}
			lines = append(lines, line.String())
		}
	}
	return lines
}

func blockWidth(b []string) int {
	w := 0
	for _, l := range b {
		w = max(w, ansi.StringWidth(l))
	}
	return w
}

// helpBlocks returns the blocks of the help screen: one per key group
// of keys, the colour legend, the change markers, and a word on the
// actions.
func (m *Model) helpBlocks() [][]string {
	st := &m.styles
	var blocks [][]string
	for _, g := range m.keys.Groups() {
		keyW := 0
		for _, b := range g.Bindings {
			keyW = max(keyW, ansi.StringWidth(b.Help().Key))
		}
		block := []string{st.HelpTitle.Render(g.Name)}
		for _, b := range g.Bindings {
			block = append(block, st.HelpKey.Render(fitWidth(b.Help().Key, keyW))+"  "+st.HelpDesc.Render(b.Help().Desc))
		}
		blocks = append(blocks, block)
	}

	title := "Colours"
	if st.mono {
		title = "Kinds (kind column; letter in the map)"
	}
	legend := []string{st.HelpTitle.Render(title)}
	for _, ki := range kindInfos {
		name := ki.kind.String()
		if st.mono {
			name = kindLetter(ki.kind) + " " + name
		}
		legend = append(legend, st.kind(ki.kind).Render(fitWidth(name, 13))+" "+st.HelpDesc.Render(ki.legend))
	}
	blocks = append(blocks, legend)

	ttl := m.opts.Highlight.String()
	blocks = append(blocks, []string{
		st.HelpTitle.Render("Changes"),
		st.Added[0].Render("+ added") + "    " + st.HelpDesc.Render("glows, then fades"),
		st.Changed[0].Render("~ changed") + "  " + st.HelpDesc.Render("split, perms, resized…"),
		st.Removed[0].Render("- removed") + "  " + st.HelpDesc.Render("a ghost row that fades"),
		st.HelpDesc.Render("highlights last " + ttl),
	})

	notes := []string{
		st.HelpTitle.Render("Actions"),
		st.HelpDesc.Render("Each form shows the C call it will make;"),
		st.HelpDesc.Render("enter runs it in the process on screen,"),
		st.HelpDesc.Render("esc cancels. The call log keeps them all."),
		st.HelpDesc.Render("Lengths: 4k, 2M, 3*4096, 0x1000."),
	}
	if m.opts.Mode == ModeReadOnly && m.opts.ReadOnlyReason != "" {
		notes = append(notes, "", st.ReadOnly.Render("Read-only"))
		for _, l := range strings.Split(ansi.Wordwrap(printable(m.opts.ReadOnlyReason), 40, ""), "\n") {
			notes = append(notes, st.HelpDesc.Render(l))
		}
	}
	return append(blocks, notes)
}
