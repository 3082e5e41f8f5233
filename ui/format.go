package ui

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// appendHex appends v in lower-case hex, zero-padded to at least digits.
func appendHex(b []byte, v uint64, digits int) []byte {
	var tmp [16]byte
	s := strconv.AppendUint(tmp[:0], v, 16)
	for i := len(s); i < digits; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// hexLen returns how many hex digits v needs.
func hexLen(v uint64) int {
	n := 1
	for v >= 16 {
		v >>= 4
		n++
	}
	return n
}

// decLen returns how many decimal digits v needs.
func decLen(v uint64) int {
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// printable makes text safe to write to a terminal. Printable text,
// including any UTF-8 script, is kept as it is; bytes that are not valid
// UTF-8 and characters that are not printable (control characters, escape,
// bidi overrides, non-breaking spaces) become \xNN per byte, so a hostile
// file name can never move the cursor or recolour the screen. A backslash
// is kept as it is, so the kernel's own "\012" for a newline reads as
// the kernel wrote it.
func printable(s string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || !unicode.IsPrint(r) {
			for _, c := range []byte(s[i : i+size]) {
				b.WriteString(`\x`)
				b.WriteByte("0123456789abcdef"[c>>4])
				b.WriteByte("0123456789abcdef"[c&15])
			}
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// fitWidth truncates s (which may carry ANSI styling) to w cells, ending
// with "…" when it cut, and pads it with spaces to exactly w cells.
func fitWidth(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// truncate cuts s to at most w cells, ending with "…" when it cut.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// joinLR puts left and right on one line of exactly w cells, right
// flush against the right edge. When both do not fit, left is shortened
// first (down to a third of the line); after that, right is dropped.
func joinLR(left, right string, w int) string {
	if w <= 0 {
		return ""
	}
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	if right == "" || rw+1 > w {
		return fitWidth(left, w)
	}
	if lw+1+rw > w {
		room := w - rw - 1
		if room < w/3 {
			return fitWidth(left, w)
		}
		left, lw = truncate(left, room), room
		left = fitWidth(left, room)
	}
	return left + strings.Repeat(" ", w-lw-rw) + right
}

// formatInterval prints a refresh period compactly: "500ms", "1s", "1.5s".
func formatInterval(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}
