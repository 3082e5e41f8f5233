// Command ansinorm rewrites a `tmux capture-pane -p -e` dump into the
// narrow dialect of ANSI that freeze v0.2.2 draws correctly.
//
// freeze's ANSI reader (ansi.go in freeze v0.2.2) handles only part of SGR:
//
//   - backgrounds 40–47 are ignored and 100–107 are drawn black;
//   - 49 (default background) and 39 (default foreground) are ignored, so a
//     colour runs on to the next reset or the end of the line;
//   - reverse video (7), faint (2), hidden (8) and bold (1) are ignored;
//   - every line starts afresh, while tmux carries the current style over
//     from one line to the next and only writes what changed.
//
// So this program keeps a full terminal style state across the whole dump
// and writes every run of equally styled cells as one self-contained
// sequence: reset, attributes freeze knows (italic, underline, strike), an
// explicit 24-bit foreground and, when it differs from the terminal's
// default, an explicit 24-bit background. Reverse video is resolved by
// swapping the two colours, faint by blending the foreground towards the
// background, hidden by painting the text in the background colour. Lines
// are padded with spaces to the pane width and the dump to the pane height,
// so the picture has the terminal's exact size.
//
// Usage: ansinorm -cols 120 -rows 36 <capture.ans >clean.ans
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

type rgb struct{ r, g, b uint8 }

func (c rgb) sgr() string { return fmt.Sprintf("2;%d;%d;%d", c.r, c.g, c.b) }

func hex(s string) rgb {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	if err != nil {
		panic(err)
	}
	return rgb{uint8(v >> 16), uint8(v >> 8), uint8(v)}
}

// The terminal the pictures pretend to be: a dark one, with the text and
// background colours mapscope's dark theme is designed against (make.sh sets
// the same two in tmux, so that the program's query of the terminal's
// background gets this answer). The 16 basic colours are freeze's "charm"
// palette; 16–255 are the standard xterm cube and grey ramp.
var (
	defaultFG = hex("#d0d0d0")
	defaultBG = hex("#1e1e1e")
	basic     = [16]string{
		"#282a2e", "#d74e6f", "#31bb71", "#d3e561", "#8056ff", "#ed61d7", "#04d7d7", "#c5c8c6",
		"#4b4b4b", "#fe5f86", "#00d787", "#ebff71", "#8f69ff", "#ff7aea", "#00fefe", "#ffffff",
	}
)

func indexed(n int) rgb {
	switch {
	case n < 16:
		return hex(basic[n])
	case n < 232:
		n -= 16
		level := func(i int) uint8 {
			if i == 0 {
				return 0
			}
			return uint8(55 + 40*i)
		}
		return rgb{level(n / 36), level(n / 6 % 6), level(n % 6)}
	default:
		v := uint8(8 + 10*(n-232))
		return rgb{v, v, v}
	}
}

// colour is a terminal colour: the default, or an explicit value.
type colour struct {
	set bool
	c   rgb
}

type style struct {
	fg, bg                                 colour
	bold, faint, italic, underline, strike bool
	reverse, hidden                        bool
}

// resolve gives the colours a cell is really drawn with.
func (s style) resolve() (fg, bg rgb, bgIsDefault bool) {
	fg, bg = defaultFG, defaultBG
	if s.fg.set {
		fg = s.fg.c
	}
	if s.bg.set {
		bg = s.bg.c
	}
	if s.reverse {
		fg, bg = bg, fg
	}
	// A background that equals the default one needs no rectangle (tmux
	// writes the default colours out explicitly when it draws for a client).
	bgIsDefault = bg == defaultBG
	if s.faint {
		fg = blend(fg, bg, 0.55)
	}
	if s.hidden {
		fg = bg
	}
	return fg, bg, bgIsDefault
}

func blend(a, b rgb, t float64) rgb {
	mix := func(x, y uint8) uint8 { return uint8(float64(x)*t + float64(y)*(1-t) + 0.5) }
	return rgb{mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)}
}

// sequence is the one SGR sequence freeze gets before a run of cells.
func (s style) sequence() string {
	fg, bg, bgDefault := s.resolve()
	p := []string{"0"}
	if s.italic {
		p = append(p, "3")
	}
	if s.underline {
		p = append(p, "4")
	} else if s.strike {
		p = append(p, "9")
	}
	p = append(p, "38;"+fg.sgr())
	if !bgDefault {
		p = append(p, "48;"+bg.sgr())
	}
	return "\x1b[" + strings.Join(p, ";") + "m"
}

// params splits SGR parameters; sub-parameters (38:2::r:g:b) are flattened
// the way terminals read them.
func params(s string) []int {
	if s == "" {
		return []int{0}
	}
	colon := strings.Contains(s, ":")
	var out []int
	for _, group := range strings.Split(s, ";") {
		subs := strings.Split(group, ":")
		// 38:2:CS:r:g:b carries a colour-space id: drop it.
		if colon && len(subs) == 6 && subs[1] == "2" {
			subs = append(subs[:2], subs[3:]...)
		}
		for _, f := range subs {
			n, _ := strconv.Atoi(f)
			out = append(out, n)
		}
	}
	return out
}

func (s *style) apply(ps []int) {
	extColour := func(i int) (colour, int) {
		if i+1 < len(ps) && ps[i+1] == 5 && i+2 < len(ps) {
			return colour{true, indexed(ps[i+2])}, i + 2
		}
		if i+1 < len(ps) && ps[i+1] == 2 && i+4 < len(ps) {
			return colour{true, rgb{uint8(ps[i+2]), uint8(ps[i+3]), uint8(ps[i+4])}}, i + 4
		}
		return colour{}, len(ps)
	}
	for i := 0; i < len(ps); i++ {
		switch p := ps[i]; {
		case p == 0:
			*s = style{}
		case p == 1:
			s.bold = true
		case p == 2:
			s.faint = true
		case p == 3:
			s.italic = true
		case p == 4:
			s.underline = true
		case p == 7:
			s.reverse = true
		case p == 8:
			s.hidden = true
		case p == 9:
			s.strike = true
		case p == 21:
			s.underline = true
		case p == 22:
			s.bold, s.faint = false, false
		case p == 23:
			s.italic = false
		case p == 24:
			s.underline = false
		case p == 27:
			s.reverse = false
		case p == 28:
			s.hidden = false
		case p == 29:
			s.strike = false
		case p >= 30 && p <= 37:
			s.fg = colour{true, indexed(p - 30)}
		case p == 38:
			s.fg, i = extColour(i)
		case p == 39:
			s.fg = colour{}
		case p >= 40 && p <= 47:
			s.bg = colour{true, indexed(p - 40)}
		case p == 48:
			s.bg, i = extColour(i)
		case p == 49:
			s.bg = colour{}
		case p == 58: // underline colour: not drawn
			_, i = extColour(i)
		case p >= 90 && p <= 97:
			s.fg = colour{true, indexed(p - 90 + 8)}
		case p >= 100 && p <= 107:
			s.bg = colour{true, indexed(p - 100 + 8)}
		}
	}
}

type cell struct {
	text string // one grapheme's runes (empty for the right half of a wide one)
	st   style
}

func main() {
	cols := flag.Int("cols", 120, "pane width in cells")
	rows := flag.Int("rows", 36, "pane height in cells")
	fg := flag.String("fg", "#d0d0d0", "the terminal's default text colour")
	bg := flag.String("bg", "#1e1e1e", "the terminal's default background")
	flag.Parse()
	defaultFG, defaultBG = hex(*fg), hex(*bg)

	in, err := io.ReadAll(bufio.NewReader(os.Stdin))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ansinorm:", err)
		os.Exit(1)
	}
	var (
		cur  style
		grid [][]cell
		line []cell
	)
	for i := 0; i < len(in); {
		b := in[i]
		switch {
		case b == 0x1b && i+1 < len(in) && in[i+1] == '[':
			j := i + 2
			for j < len(in) && (in[j] < 0x40 || in[j] > 0x7e) {
				j++
			}
			if j < len(in) && in[j] == 'm' {
				cur.apply(params(string(in[i+2 : j])))
			}
			i = j + 1
		case b == 0x1b && i+1 < len(in) && in[i+1] == ']':
			// OSC (hyperlinks and the like): skip to BEL or ST.
			j := i + 2
			for j < len(in) && in[j] != 0x07 && !(in[j] == 0x1b && j+1 < len(in) && in[j+1] == '\\') {
				j++
			}
			if j < len(in) && in[j] == 0x1b {
				j++
			}
			i = j + 1
		case b == 0x1b:
			i += 2
		case b == '\n':
			grid = append(grid, line)
			line = nil
			i++
		case b < 0x20:
			i++
		default:
			r, n := utf8.DecodeRune(in[i:])
			i += n
			w := runeWidth(r)
			if w == 0 && len(line) > 0 {
				line[len(line)-1].text += string(r)
				continue
			}
			line = append(line, cell{string(r), cur})
			if w == 2 {
				line = append(line, cell{"", cur})
			}
		}
	}
	if len(line) > 0 {
		grid = append(grid, line)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for y := 0; y < *rows; y++ {
		var l []cell
		if y < len(grid) {
			l = grid[y]
		}
		// pad with blanks in the default style (tmux trims them)
		for len(l) < *cols {
			l = append(l, cell{" ", style{}})
		}
		l = l[:*cols]
		var prev string
		for _, c := range l {
			seq := c.st.sequence()
			if seq != prev {
				out.WriteString(seq)
				prev = seq
			}
			out.WriteString(c.text)
		}
		out.WriteString("\x1b[0m")
		// no newline after the last line: freeze would draw an empty row
		if y < *rows-1 {
			out.WriteString("\n")
		}
	}
}

// runeWidth is a small East-Asian-width table: enough for a terminal UI's
// box drawing, blocks and symbols (all width 1), CJK and emoji (width 2),
// and combining marks (width 0).
func runeWidth(r rune) int {
	switch {
	case r == 0x200b || r == 0x200d || r == 0xfe0f ||
		(r >= 0x0300 && r <= 0x036f) || (r >= 0x20d0 && r <= 0x20ff):
		return 0
	case (r >= 0x1100 && r <= 0x115f) || (r >= 0x2e80 && r <= 0xa4cf) ||
		(r >= 0xac00 && r <= 0xd7a3) || (r >= 0xf900 && r <= 0xfaff) ||
		(r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) ||
		(r >= 0xffe0 && r <= 0xffe6) || (r >= 0x1f300 && r <= 0x1faff) ||
		(r >= 0x20000 && r <= 0x3fffd):
		return 2
	}
	return 1
}
