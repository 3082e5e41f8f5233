package csrc

import (
	"context"
	"errors"
	"fmt"
	"go/token"
	"strings"

	"golang.org/x/sys/unix"

	"mapscope/mapping"
)

// evaluator runs one statement in one process.
type evaluator struct {
	m   *Machine
	p   *proc
	ctx context.Context
	pos Pos
}

func (ev *evaluator) fail(pos Pos, format string, args ...any) {
	panic(halt{pos: pos, msg: fmt.Sprintf(format, args...)})
}

// fault stops the program in this process with the signal it would get.
func (ev *evaluator) fault(pos Pos, err error) {
	var f *mapping.Fault
	if errors.As(err, &f) {
		panic(halt{pos: pos, fault: true, msg: f.Error() + " — the process would crash here; the program stops in it (the process itself is untouched)"})
	}
	var exit *mapping.ExitError
	if errors.As(err, &exit) {
		ev.ended(pos)
	}
	panic(halt{pos: pos, msg: err.Error()})
}

// ended records that the process died under a call (killed, say).
func (ev *evaluator) ended(pos Pos) {
	if ev.p.ended {
		return
	}
	ev.p.ended = true
	st, _ := ev.p.p.Ended()
	ev.m.emit(ev.p, Event{Kind: EvExit, Text: st.String(), Pos: pos})
}

func (v value) isZero() bool { return v.n == 0 && v.s == nil }

// sext sign-extends the low size bytes of n.
func sext(n uint64, size int) int64 {
	if size >= 8 {
		return int64(n)
	}
	shift := uint(64 - 8*size)
	return int64(n<<shift) >> shift
}

// trunc keeps the low size bytes of n.
func trunc(n uint64, size int) uint64 {
	if size >= 8 || size <= 0 {
		return n
	}
	return n & (1<<(8*uint(size)) - 1)
}

// int64 is the value as a signed number (unsigned and pointers as is).
func (v value) int64() int64 {
	if v.t.unsigned || v.t.ptr {
		return int64(v.n)
	}
	return sext(v.n, v.t.size)
}

func intValue(n int64) value { return value{n: trunc(uint64(n), 4), t: tInt} }

func longValue(n int64) value { return value{n: uint64(n), t: tLong} }

// convert gives v the type t, as an assignment or a cast does.
func (ev *evaluator) convert(v value, t ctype, pos Pos) value {
	if v.s != nil {
		if !t.ptr || t.elemT != nil && t.elemT.size > 1 {
			ev.fail(pos, "a string literal is text in the program, not a %s: pass it to a function such as strcpy", t.name)
		}
		return value{s: v.s, t: t}
	}
	n := v.n
	if t.ptr {
		if !v.t.unsigned && !v.t.ptr && v.t.size < 8 {
			n = uint64(sext(v.n, v.t.size)) // (void*)-1 is MAP_FAILED
		}
		return value{n: n, t: t}
	}
	if !v.t.unsigned && !v.t.ptr && v.t.size < 8 {
		n = uint64(sext(v.n, v.t.size))
	}
	return value{n: trunc(n, t.size), t: t}
}

// stmt runs a simple statement.
func (ev *evaluator) stmt(s stmt) {
	switch s := s.(type) {
	case *declStmt:
		for _, d := range s.decls {
			v := value{t: d.t}
			if d.init != nil {
				v = ev.convert(ev.eval(d.init), d.t, d.pos)
			}
			ev.p.vars[d.name] = &variable{t: d.t, v: v}
		}
	case *exprStmt:
		ev.eval(s.x)
	case *returnStmt:
		code := 0
		if s.x != nil {
			code = int(ev.eval(s.x).int64())
		}
		ev.m.exit(ev.p, code, s.pos)
	}
}

// eval evaluates an expression in the process.
func (ev *evaluator) eval(e expr) value {
	switch e := e.(type) {
	case *intLit:
		return value{n: e.v, t: e.t}
	case *strLit:
		s := e.s
		return value{s: &s, t: tCharP}
	case *ident:
		if v, ok := ev.p.vars[e.name]; ok {
			return v.v
		}
		if e.name == "errno" {
			return intValue(int64(ev.p.errno))
		}
		if c, ok := constants[e.name]; ok {
			return value{n: c.v, t: c.t}
		}
		ev.fail(e.pos, "%s is declared in a statement this process did not run", e.name)
	case *sizeofType:
		size := e.t.size
		if size == 0 {
			size = 1
		}
		return value{n: uint64(size), t: tULong}
	case *cast:
		return ev.convert(ev.eval(e.x), e.t, e.pos)
	case *unary:
		return ev.unary(e)
	case *binOp:
		return ev.binary(e)
	case *index:
		return ev.load(ev.offset(ev.eval(e.x), ev.eval(e.i), e.pos, token.ADD), e.pos)
	case *assign:
		return ev.assign(e)
	case *incDec:
		return ev.incDec(e)
	case *call:
		return ev.call(e)
	case *valueExpr:
		return e.v
	}
	ev.fail(e.at(), "cannot evaluate this expression")
	return value{}
}

func (ev *evaluator) unary(e *unary) value {
	if e.op == token.AND {
		ev.fail(e.pos, "& is only for wait(&status) and waitpid(…, &status, …): variables live in mapscope, not in the process's memory")
	}
	x := ev.eval(e.x)
	if x.s != nil && e.op != token.MUL && e.op != token.NOT {
		ev.fail(e.pos, "a string literal is not a number")
	}
	switch e.op {
	case token.MUL:
		return ev.load(x, e.pos)
	case token.NOT:
		if x.isZero() {
			return intValue(1)
		}
		return intValue(0)
	case token.ADD:
		return ev.promote(x)
	case token.SUB:
		x = ev.promote(x)
		return value{n: trunc(-x.n, x.t.size), t: x.t}
	case token.TILDE:
		x = ev.promote(x)
		return value{n: trunc(^x.n, x.t.size), t: x.t}
	}
	ev.fail(e.pos, "unsupported operator %s", e.op)
	return value{}
}

// promote applies C's integer promotion: small types become int.
func (ev *evaluator) promote(v value) value {
	if v.t.ptr {
		ev.fail(ev.pos, "arithmetic on a pointer needs a number beside it")
	}
	if v.t.size < 4 {
		return value{n: trunc(uint64(v.int64()), 4), t: tInt}
	}
	return v
}

// arith is the type of an arithmetic result (C's usual conversions, for
// the integer types the interpreter has).
func arith(a, b ctype) ctype {
	size := max(4, a.size, b.size)
	unsigned := a.unsigned && a.size >= size || b.unsigned && b.size >= size
	switch {
	case size == 8 && unsigned:
		return tULong
	case size == 8:
		return tLong
	case unsigned:
		return ctype{name: "unsigned", size: 4, unsigned: true}
	}
	return tInt
}

func boolValue(b bool) value {
	if b {
		return intValue(1)
	}
	return intValue(0)
}

func (ev *evaluator) binary(e *binOp) value {
	switch e.op {
	case token.LAND:
		return boolValue(!ev.eval(e.x).isZero() && !ev.eval(e.y).isZero())
	case token.LOR:
		return boolValue(!ev.eval(e.x).isZero() || !ev.eval(e.y).isZero())
	}
	x, y := ev.eval(e.x), ev.eval(e.y)
	ev.pos = e.pos
	if x.s != nil || y.s != nil {
		if e.op == token.EQL || e.op == token.NEQ {
			ev.fail(e.pos, "comparing string literals compares addresses in C; compare what they hold with strlen or a loop")
		}
		ev.fail(e.pos, "a string literal is not a number")
	}
	switch e.op {
	case token.ADD, token.SUB:
		if x.t.ptr || y.t.ptr {
			if x.t.ptr && y.t.ptr && e.op == token.SUB {
				return longValue((int64(x.n) - int64(y.n)) / int64(max(1, elemSize(x.t))))
			}
			return ev.offset(x, y, e.pos, e.op)
		}
	case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
		var less, eq bool
		if x.t.ptr || y.t.ptr || arith(x.t, y.t).unsigned {
			a, b := trunc(x.n, max(x.t.size, 1)), trunc(y.n, max(y.t.size, 1))
			if x.t.ptr || y.t.ptr {
				a, b = x.n, y.n
				if !x.t.ptr {
					a = uint64(x.int64())
				}
				if !y.t.ptr {
					b = uint64(y.int64())
				}
			}
			less, eq = a < b, a == b
		} else {
			a, b := x.int64(), y.int64()
			less, eq = a < b, a == b
		}
		switch e.op {
		case token.EQL:
			return boolValue(eq)
		case token.NEQ:
			return boolValue(!eq)
		case token.LSS:
			return boolValue(less)
		case token.LEQ:
			return boolValue(less || eq)
		case token.GTR:
			return boolValue(!less && !eq)
		default:
			return boolValue(!less)
		}
	}
	if x.t.ptr || y.t.ptr {
		ev.fail(e.pos, "%s does not apply to pointers here", e.op)
	}
	t := arith(x.t, y.t)
	a, b := uint64(x.int64()), uint64(y.int64())
	if x.t.unsigned {
		a = x.n
	}
	if y.t.unsigned {
		b = y.n
	}
	var r uint64
	switch e.op {
	case token.ADD:
		r = a + b
	case token.SUB:
		r = a - b
	case token.MUL:
		r = a * b
	case token.QUO, token.REM:
		if trunc(b, t.size) == 0 {
			panic(halt{pos: e.pos, fault: true, msg: "SIGFPE (FPE_INTDIV): division by zero — the process would crash here; the program stops in it"})
		}
		if t.unsigned {
			a, b = trunc(a, t.size), trunc(b, t.size)
			if e.op == token.QUO {
				r = a / b
			} else {
				r = a % b
			}
		} else {
			sa, sb := sext(a, t.size), sext(b, t.size)
			if sb == -1 {
				sb, sa = 1, -sa // avoid the overflow trap of MinInt64 / -1
			}
			if e.op == token.QUO {
				r = uint64(sa / sb)
			} else {
				r = uint64(sa % sb)
			}
		}
	case token.AND:
		r = a & b
	case token.OR:
		r = a | b
	case token.XOR:
		r = a ^ b
	case token.SHL, token.SHR:
		n := y.int64()
		xt := ev.promote(x).t
		if n < 0 || n >= int64(8*xt.size) {
			return value{t: xt}
		}
		if e.op == token.SHL {
			return value{n: trunc(x.n<<uint(n), xt.size), t: xt}
		}
		if xt.unsigned {
			return value{n: trunc(trunc(x.n, xt.size)>>uint(n), xt.size), t: xt}
		}
		return value{n: trunc(uint64(x.int64()>>uint(n)), xt.size), t: xt}
	default:
		ev.fail(e.pos, "unsupported operator %s", e.op)
	}
	return value{n: trunc(r, t.size), t: t}
}

// place is something that can be assigned: a variable or memory.
func (ev *evaluator) assignTo(lhs expr, v value, pos Pos) value {
	switch l := lhs.(type) {
	case *ident:
		vr, ok := ev.p.vars[l.name]
		if !ok && l.name == "errno" {
			ev.p.errno = unix.Errno(v.int64())
			return intValue(v.int64())
		}
		if !ok {
			ev.fail(l.pos, "%s is declared in a statement this process did not run", l.name)
		}
		vr.v = ev.convert(v, vr.t, pos)
		return vr.v
	case *index:
		return ev.store(ev.offset(ev.eval(l.x), ev.eval(l.i), l.pos, token.ADD), v, pos)
	case *unary: // *p
		return ev.store(ev.eval(l.x), v, pos)
	}
	ev.fail(pos, "cannot assign to this")
	return value{}
}

var compound = map[token.Token]token.Token{
	token.ADD_ASSIGN: token.ADD, token.SUB_ASSIGN: token.SUB, token.MUL_ASSIGN: token.MUL,
	token.QUO_ASSIGN: token.QUO, token.REM_ASSIGN: token.REM, token.AND_ASSIGN: token.AND,
	token.OR_ASSIGN: token.OR, token.XOR_ASSIGN: token.XOR, token.SHL_ASSIGN: token.SHL,
	token.SHR_ASSIGN: token.SHR,
}

func (ev *evaluator) assign(e *assign) value {
	rhs := ev.eval(e.rhs)
	if op, ok := compound[e.op]; ok {
		rhs = ev.binary(&binOp{pos: e.pos, op: op, x: e.lhs, y: &valueExpr{pos: e.pos, v: rhs}})
	}
	return ev.assignTo(e.lhs, rhs, e.pos)
}

// valueExpr is an already evaluated operand.
type valueExpr struct {
	pos Pos
	v   value
}

func (e *valueExpr) at() Pos { return e.pos }

func (ev *evaluator) incDec(e *incDec) value {
	old := ev.eval(e.x)
	op := token.ADD
	if e.op == token.DEC {
		op = token.SUB
	}
	one := &valueExpr{pos: e.pos, v: intValue(1)}
	nv := ev.binary(&binOp{pos: e.pos, op: op, x: &valueExpr{pos: e.pos, v: old}, y: one})
	nv = ev.assignTo(e.x, nv, e.pos)
	if e.post {
		return old
	}
	return nv
}

// article puts "a" or "an" before a type name.
func article(name string) string {
	if name != "" && strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}
