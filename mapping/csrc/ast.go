package csrc

import "go/token"

// ctype is a C type as far as the interpreter cares: its size, whether it
// is signed, and for a pointer what it points to.
type ctype struct {
	name     string // as written, for messages: "int*", "char"
	size     int    // bytes: 1, 2, 4, 8; 0 for void
	unsigned bool
	ptr      bool
	elemT    *ctype // pointers: the pointee
}

// Common types.
var (
	tInt   = ctype{name: "int", size: 4}
	tLong  = ctype{name: "long", size: 8}
	tULong = ctype{name: "unsigned long", size: 8, unsigned: true}
	tChar  = ctype{name: "char", size: 1}
	tVoid  = ctype{name: "void"}
	tVoidP = pointerTo(tVoid)
	tCharP = pointerTo(tChar)
)

// pointerTo returns the type of a pointer to t.
func pointerTo(t ctype) ctype {
	e := t
	return ctype{name: t.name + "*", size: 8, ptr: true, unsigned: true, elemT: &e}
}

// expr is an expression.
type expr interface{ at() Pos }

type (
	intLit struct {
		pos Pos
		v   uint64
		t   ctype
	}
	strLit struct {
		pos Pos
		s   string
	}
	ident struct {
		pos  Pos
		name string
	}
	unary struct {
		pos Pos
		op  token.Token // SUB, NOT, XOR (~), MUL (*p), AND (&x), ADD
		x   expr
	}
	binOp struct {
		pos  Pos
		op   token.Token
		x, y expr
	}
	assign struct {
		pos Pos
		op  token.Token // ASSIGN, ADD_ASSIGN, …
		lhs expr
		rhs expr
	}
	incDec struct {
		pos  Pos
		op   token.Token // INC, DEC
		x    expr
		post bool
	}
	call struct {
		pos  Pos
		name string
		args []expr
	}
	index struct {
		pos  Pos
		x, i expr
	}
	cast struct {
		pos Pos
		t   ctype
		x   expr
	}
	sizeofType struct {
		pos Pos
		t   ctype
	}
)

func (e *intLit) at() Pos     { return e.pos }
func (e *strLit) at() Pos     { return e.pos }
func (e *ident) at() Pos      { return e.pos }
func (e *unary) at() Pos      { return e.pos }
func (e *binOp) at() Pos      { return e.pos }
func (e *assign) at() Pos     { return e.pos }
func (e *incDec) at() Pos     { return e.pos }
func (e *call) at() Pos       { return e.pos }
func (e *index) at() Pos      { return e.pos }
func (e *cast) at() Pos       { return e.pos }
func (e *sizeofType) at() Pos { return e.pos }

// stmt is a statement.
type stmt interface{ at() Pos }

type (
	declStmt struct {
		pos   Pos
		decls []declarator
	}
	declarator struct {
		pos  Pos
		name string
		t    ctype
		init expr // nil: uninitialised
	}
	exprStmt struct {
		pos Pos
		x   expr
	}
	ifStmt struct {
		pos       Pos
		cond      expr
		then, els stmt // els may be nil
	}
	blockStmt struct {
		pos  Pos
		list []stmt
	}
	forStmt struct {
		pos  Pos
		init stmt // nil, a declStmt or an exprStmt
		cond expr // nil: always true
		post expr // nil: nothing
		body stmt
	}
	returnStmt struct {
		pos Pos
		x   expr // nil: return;
	}
	emptyStmt struct{ pos Pos }
)

func (s *declStmt) at() Pos   { return s.pos }
func (s *exprStmt) at() Pos   { return s.pos }
func (s *ifStmt) at() Pos     { return s.pos }
func (s *blockStmt) at() Pos  { return s.pos }
func (s *forStmt) at() Pos    { return s.pos }
func (s *returnStmt) at() Pos { return s.pos }
func (s *emptyStmt) at() Pos  { return s.pos }
