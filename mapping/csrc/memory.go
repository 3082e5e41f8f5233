package csrc

// Memory the program reads and writes: through the engine, as the process
// itself would, so that a fault is the signal the process would get.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"go/token"
	"strings"
)

// elemSize is the size of what a pointer of type t points to (void: 1).
func elemSize(t ctype) int {
	if t.elemT == nil || t.elemT.size == 0 {
		return 1
	}
	return t.elemT.size
}

// offset is p + i or p - i in units of p's element.
func (ev *evaluator) offset(p, i value, pos Pos, op token.Token) value {
	if !p.t.ptr && i.t.ptr {
		p, i = i, p
	}
	if !p.t.ptr {
		ev.fail(pos, "indexing needs a pointer, such as the result of mmap")
	}
	if i.t.ptr {
		ev.fail(pos, "a pointer cannot be added to a pointer")
	}
	d := i.int64() * int64(elemSize(p.t))
	if op == token.SUB {
		d = -d
	}
	if p.s != nil {
		return value{s: p.s, n: p.n + uint64(d), t: p.t}
	}
	return value{n: p.n + uint64(d), t: p.t}
}

// load reads what pointer p points to, as the process would.
func (ev *evaluator) load(p value, pos Pos) value {
	if !p.t.ptr {
		ev.fail(pos, "* and [] need a pointer; this is %s", article(p.t.name))
	}
	et := p.t.elemT
	if et == nil || et.size == 0 {
		ev.fail(pos, "cannot read through a void* pointer: cast it first, e.g. *(char*)p or ((int*)p)[0]")
	}
	if p.s != nil {
		i := int64(p.n)
		if i < 0 || i > int64(len(*p.s)) {
			ev.fail(pos, "reading outside a string literal")
		}
		if i == int64(len(*p.s)) {
			return value{t: *et}
		}
		return value{n: uint64((*p.s)[i]), t: *et}
	}
	b, err := ev.p.p.ReadMemory(p.n, et.size)
	if err != nil {
		ev.fault(pos, err)
	}
	var buf [8]byte
	copy(buf[:], b)
	return value{n: trunc(binary.LittleEndian.Uint64(buf[:]), et.size), t: *et}
}

// store writes v where pointer p points, as the process would.
func (ev *evaluator) store(p, v value, pos Pos) value {
	if !p.t.ptr {
		ev.fail(pos, "* and [] need a pointer; this is %s", article(p.t.name))
	}
	if p.s != nil {
		ev.fail(pos, "a string literal cannot be written to (in C it lives in read-only memory)")
	}
	et := p.t.elemT
	if et == nil || et.size == 0 {
		ev.fail(pos, "cannot write through a void* pointer: cast it first, e.g. *(int*)p = 42")
	}
	v = ev.convert(v, *et, pos)
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], v.n)
	if _, err := ev.p.p.WriteMemory(p.n, buf[:et.size]); err != nil {
		ev.fault(pos, err)
	}
	ev.m.emit(ev.p, Event{Kind: EvMemory, Addr: p.n, Pos: pos,
		Text: fmt.Sprintf("*(%s*)0x%x = %s", et.name, p.n, cValue(v))})
	return v
}

// cValue writes a stored value as C: a character literal for a printable
// char, else the number.
func cValue(v value) string {
	if v.t.size == 1 && v.n >= 0x20 && v.n < 0x7f && v.n != '\'' && v.n != '\\' {
		return "'" + string(rune(v.n)) + "'"
	}
	if v.t.ptr {
		return fmt.Sprintf("0x%x", v.n)
	}
	return fmt.Sprint(v.int64())
}

// cString reads a NUL-terminated string: a literal, or from the process's
// memory (at most 64 KiB).
func (ev *evaluator) cString(v value, pos Pos) string {
	if v.s != nil {
		s := *v.s
		if int(v.n) <= len(s) {
			s = s[v.n:]
		}
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return s
	}
	if v.n == 0 {
		panic(halt{pos: pos, fault: true, msg: "SIGSEGV (SEGV_MAPERR) reading 0x0: a NULL string — the process would crash here; the program stops in it"})
	}
	var out []byte
	addr := v.n
	for len(out) < 64<<10 {
		chunk := int(4096 - addr%4096)
		b, err := ev.p.p.ReadMemory(addr, chunk)
		if i := bytes.IndexByte(b, 0); i >= 0 {
			return string(append(out, b[:i]...))
		}
		if err != nil {
			ev.fault(pos, err)
		}
		out = append(out, b...)
		addr += uint64(chunk)
	}
	ev.fail(pos, "a string longer than 64 KiB (no NUL byte found)")
	return ""
}
