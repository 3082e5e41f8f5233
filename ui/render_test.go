package ui

import (
	"fmt"
	"image/color"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// TestResize renders every state at every size from 1×1 to 40×12 and at
// a few large ones: no panic, no line wider than the terminal, no more
// lines than it has.
func TestResize(t *testing.T) {
	type state struct {
		name  string
		setup func(Model) Model
	}
	states := []state{
		{"table", func(m Model) Model { return m }},
		{"detail", func(m Model) Model {
			m = press(t, selectLabel(t, m, "[heap]"), "enter")
			m, _ = send(t, m, smapsMsg{seq: m.detail.seq, start: 0x01a2b000, smaps: heapSmaps(t)})
			return m
		}},
		{"help", func(m Model) Model { return press(t, m, "?") }},
		{"filter", func(m Model) Model { return press(t, m, "/", "l", "i", "b") }},
		{"status", func(m Model) Model { return press(t, m, "G", "m") }},
	}
	var sizes [][2]int
	for w := 1; w <= 40; w++ {
		for h := 1; h <= 12; h++ {
			sizes = append(sizes, [2]int{w, h})
		}
	}
	sizes = append(sizes, [2]int{0, 0}, [2]int{80, 24}, [2]int{129, 40}, [2]int{130, 40}, [2]int{200, 60}, [2]int{300, 80}, [2]int{1000, 3})
	base, clk := fixtureModel(t, 80, 24, Options{})
	base = withChanges(t, base, clk)
	for _, st := range states {
		m := st.setup(base)
		for _, sz := range sizes {
			w, h := sz[0], sz[1]
			mm, _ := send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
			out := mm.View().Content
			lines := strings.Split(out, "\n")
			if out == "" {
				lines = nil
			}
			if len(lines) > h {
				t.Errorf("%s %dx%d: %d lines", st.name, w, h, len(lines))
			}
			for i, l := range lines {
				if lw := lipgloss.Width(l); lw > w {
					t.Errorf("%s %dx%d: line %d is %d wide: %q", st.name, w, h, i, lw, l)
					break
				}
			}
		}
	}
}

// luminance is the WCAG 2 relative luminance of c.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is the WCAG 2 contrast ratio of two colours.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func TestContrastFormula(t *testing.T) {
	black, white := color.Black, color.White
	if got := contrast(black, white); math.Abs(got-21) > 1e-9 {
		t.Errorf("black on white: %.3f, want 21", got)
	}
	if got := contrast(lipgloss.Color("#777777"), white); math.Abs(got-4.48) > 0.01 {
		t.Errorf("#777 on white: %.3f, want 4.48", got)
	}
}

// TestContrast measures every foreground the styles draw against the
// background it is drawn on: the projector theme must reach WCAG AAA
// (7:1) everywhere; the dark and light themes AA (4.5:1) for text and 3:1
// for rules. Run with -v to see every ratio.
func TestContrast(t *testing.T) {
	for _, tc := range []struct {
		theme       string
		text, rules float64
	}{{"projector", 7, 7}, {"dark", 4.5, 3}, {"light", 4.5, 3}} {
		t.Run(tc.theme, func(t *testing.T) {
			s := newStyles(tc.theme, true, false)
			if len(s.pairs) < 30 {
				t.Fatalf("only %d colour pairs recorded", len(s.pairs))
			}
			lowest := math.Inf(1)
			for _, p := range s.pairs {
				r := contrast(p.fg, p.bg)
				lowest = min(lowest, r)
				want := tc.rules
				if p.text {
					want = tc.text
				}
				t.Logf("%-18s %s on %s  %5.2f:1", p.name, hexOf(p.fg), hexOf(p.bg), r)
				if r < want {
					t.Errorf("%s: %s on %s is %.2f:1, want ≥ %.1f", p.name, hexOf(p.fg), hexOf(p.bg), r, want)
				}
			}
			t.Logf("lowest ratio in %s: %.2f:1", tc.theme, lowest)
		})
	}
}

func hexOf(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

var sgr = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// TestNoColor renders every state with NoColor and finds no colour in any
// SGR sequence: no 30–37/90–97 or 40–47/100–107, no 38/48/58 extended
// colours, and none of the substrings "\x1b[3", "\x1b[4", "38;", "48;".
func TestNoColor(t *testing.T) {
	m, clk := fixtureModel(t, 200, 60, Options{NoColor: true})
	m = withChanges(t, m, clk)
	views := map[string]Model{"changes": m, "help": press(t, m, "?"), "filter": press(t, m, "/", "l")}
	d := press(t, selectLabel(t, m, "[heap]"), "enter")
	d, _ = send(t, d, smapsMsg{seq: d.detail.seq, start: 0x01a2b000, smaps: heapSmaps(t)})
	views["detail"] = d
	views["exited"], _ = send(t, press(t, m, "m"), exitedMsg{id: 0, status: "exited (status 1)"})
	for name, v := range views {
		out := v.View()
		if out.BackgroundColor != nil || out.ForegroundColor != nil {
			t.Errorf("%s: NoColor sets terminal colours", name)
		}
		content := out.Content
		if !strings.Contains(content, "\x1b[") {
			t.Errorf("%s: no styling at all (selection and highlights need bold/reverse)", name)
		}
		for _, bad := range []string{"\x1b[3", "\x1b[4", "38;", "48;"} {
			if strings.Contains(content, bad) {
				t.Errorf("%s: view contains %q", name, bad)
			}
		}
		for _, seq := range sgr.FindAllStringSubmatch(content, -1) {
			for p := range strings.FieldsFuncSeq(seq[1], func(r rune) bool { return r == ';' || r == ':' }) {
				n, _ := strconv.Atoi(p)
				if n >= 30 && n <= 49 || n >= 90 && n <= 107 || n == 58 {
					t.Errorf("%s: colour parameter %d in %q", name, n, seq[0])
				}
			}
		}
	}
}

func TestProjectorSelectionIsReverse(t *testing.T) {
	s := newStyles("projector", true, false)
	if !s.Selected.GetReverse() {
		t.Error("projector selection is not reverse video (a selection background would lower the contrast)")
	}
}
