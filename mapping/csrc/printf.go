package csrc

import (
	"fmt"
	"strconv"
	"strings"
)

// printf formats as C's printf does, for %d %i %u %x %X %o %c %s %p %%
// with flags, width, precision and length modifiers.
func (ev *evaluator) printf(format string, args []value, pos Pos) string {
	var b strings.Builder
	next := func() value {
		if len(args) == 0 {
			ev.fail(pos, "printf has fewer arguments than its format asks for")
		}
		v := args[0]
		args = args[1:]
		return v
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0", format[j]) >= 0 {
			j++
		}
		for j < len(format) && format[j] >= '0' && format[j] <= '9' {
			j++
		}
		if j < len(format) && format[j] == '.' {
			j++
			for j < len(format) && format[j] >= '0' && format[j] <= '9' {
				j++
			}
		}
		spec := format[i+1 : j] // flags, width, precision
		long := false
		for j < len(format) && strings.IndexByte("hlzjtL", format[j]) >= 0 {
			if format[j] != 'h' {
				long = true
			}
			j++
		}
		if j >= len(format) {
			ev.fail(pos, "printf format ends in the middle of a %% conversion")
		}
		conv := format[j]
		i = j
		if len(spec) > 12 {
			ev.fail(pos, "printf width or precision too long")
		}
		switch conv {
		case '%':
			b.WriteByte('%')
		case 'd', 'i':
			v := next()
			n := v.int64()
			if !long && !v.t.ptr {
				n = int64(int32(n))
			}
			fmt.Fprintf(&b, "%"+spec+"d", n)
		case 'u', 'x', 'X', 'o':
			v := next()
			n := v.n
			if !long {
				n = trunc(uint64(v.int64()), 4)
			}
			verb := string(conv)
			if conv == 'u' {
				verb = "d" // Go's %d of an unsigned number
			}
			fmt.Fprintf(&b, "%"+spec+verb, n)
		case 'c':
			fmt.Fprintf(&b, "%"+spec+"c", rune(byte(next().n)))
		case 's':
			fmt.Fprintf(&b, "%"+spec+"s", ev.cString(next(), pos))
		case 'p':
			v := next()
			if v.n == 0 && v.s == nil {
				fmt.Fprintf(&b, "%"+spec+"s", "(nil)")
			} else {
				fmt.Fprintf(&b, "%"+spec+"s", "0x"+strconv.FormatUint(v.n, 16))
			}
		default:
			ev.fail(pos, "printf conversion %%%c is not supported (use %%d %%u %%x %%c %%s %%p)", conv)
		}
	}
	return b.String()
}
