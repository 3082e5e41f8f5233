package csrc

import (
	"go/token"
)

// opKind is the kind of an instruction.
type opKind uint8

const (
	opStmt        opKind = iota // run a simple statement: declaration, expression, return
	opJumpIfFalse               // evaluate cond; jump to `to` when it is 0
	opJump                      // jump to `to` (backwards: one more loop iteration)
)

// instr is one instruction of the flat program each process steps through:
// if/else and for loops become jumps, so that a process's place in the
// program is a number, which fork() can copy.
type instr struct {
	kind opKind
	s    stmt // opStmt
	cond expr // opJumpIfFalse
	to   int
	pos  Pos
}

// compiler flattens statements and checks names.
type compiler struct {
	code     []instr
	declared map[string]bool  // names declared so far, in program order
	types    map[string]ctype // their declared types
	err      *SyntaxError
	lines    []string
}

func (c *compiler) fail(pos Pos, format string, args ...any) {
	if c.err == nil {
		line := ""
		if pos.Line >= 1 && pos.Line <= len(c.lines) {
			line = c.lines[pos.Line-1]
		}
		c.err = &SyntaxError{Pos: pos, Msg: sprintf(format, args...), Line: line}
	}
}

func (c *compiler) emit(in instr) int {
	c.code = append(c.code, in)
	return len(c.code) - 1
}

func (c *compiler) stmt(s stmt) {
	if c.err != nil {
		return
	}
	switch s := s.(type) {
	case *blockStmt:
		for _, x := range s.list {
			c.stmt(x)
		}
	case *emptyStmt:
	case *declStmt:
		for _, d := range s.decls {
			if d.init != nil {
				c.expr(d.init)
			}
			c.declared[d.name] = true
			if c.types == nil {
				c.types = map[string]ctype{}
			}
			c.types[d.name] = d.t
		}
		c.checkFork(s.pos, s)
		c.emit(instr{kind: opStmt, s: s, pos: s.pos})
	case *exprStmt:
		c.expr(s.x)
		c.checkFork(s.pos, s)
		c.emit(instr{kind: opStmt, s: s, pos: s.pos})
	case *returnStmt:
		if s.x != nil {
			c.expr(s.x)
		}
		c.checkFork(s.pos, s)
		c.emit(instr{kind: opStmt, s: s, pos: s.pos})
	case *ifStmt:
		c.expr(s.cond)
		c.checkForkExpr(s.pos, s.cond)
		jf := c.emit(instr{kind: opJumpIfFalse, cond: s.cond, pos: s.pos})
		c.stmt(s.then)
		if s.els == nil {
			c.code[jf].to = len(c.code)
			return
		}
		j := c.emit(instr{kind: opJump, pos: s.pos})
		c.code[jf].to = len(c.code)
		c.stmt(s.els)
		c.code[j].to = len(c.code)
	case *forStmt:
		if s.init != nil {
			c.stmt(s.init)
		}
		head := len(c.code)
		jf := -1
		if s.cond != nil {
			c.expr(s.cond)
			c.checkForkExpr(s.pos, s.cond)
			jf = c.emit(instr{kind: opJumpIfFalse, cond: s.cond, pos: s.pos})
		}
		c.stmt(s.body)
		if s.post != nil {
			c.expr(s.post)
			c.checkForkExpr(s.pos, s.post)
			c.emit(instr{kind: opStmt, s: &exprStmt{pos: s.post.at(), x: s.post}, pos: s.post.at()})
		}
		c.emit(instr{kind: opJump, to: head, pos: s.pos})
		if jf >= 0 {
			c.code[jf].to = len(c.code)
		}
	}
}

// expr checks that every name is declared (or a constant) and every
// function known, with the right number of arguments.
func (c *compiler) expr(e expr) {
	if c.err != nil || e == nil {
		return
	}
	switch e := e.(type) {
	case *ident:
		if !c.declared[e.name] && e.name != "errno" {
			if _, ok := constants[e.name]; !ok {
				if _, fn := builtins[e.name]; fn {
					c.fail(e.pos, "%s is a function: call it as %s(…)", e.name, e.name)
				} else {
					c.fail(e.pos, "%s is not declared", e.name)
				}
			}
		}
	case *unary:
		if e.op == token.MUL {
			c.needPointer(e.pos, e.x)
		}
		if e.op == token.AND {
			c.fail(e.pos, "& takes a variable's address only for wait(&status) and waitpid(…, &status, …): variables live in mapscope, not in the process")
		}
		c.expr(e.x)
	case *binOp:
		c.expr(e.x)
		c.expr(e.y)
	case *assign:
		if id, ok := e.lhs.(*ident); ok {
			if _, isConst := constants[id.name]; isConst && !c.declared[id.name] {
				c.fail(id.pos, "%s is a constant", id.name)
			}
		}
		c.expr(e.lhs)
		c.expr(e.rhs)
	case *incDec:
		c.expr(e.x)
	case *index:
		c.needPointer(e.pos, e.x)
		c.expr(e.x)
		c.expr(e.i)
	case *cast:
		c.expr(e.x)
	case *call:
		b, ok := builtins[e.name]
		switch {
		case !ok && c.declared[e.name]:
			c.fail(e.pos, "%s is a variable, not a function", e.name)
		case !ok:
			c.fail(e.pos, "unknown function %s: the interpreter knows %s", e.name, knownFunctions())
		case len(e.args) < b.min || b.max >= 0 && len(e.args) > b.max:
			c.fail(e.pos, "%s takes %s", e.name, b.arity())
		}
		for i, a := range e.args {
			if u, ok := a.(*unary); ok && u.op == token.AND && (e.name == "wait" && i == 0 || e.name == "waitpid" && i == 1) {
				if _, isIdent := u.x.(*ident); !isIdent {
					c.fail(u.pos, "wait and waitpid take &status, the address of an int variable")
				}
				c.expr(u.x)
				continue
			}
			c.expr(a)
		}
	}
}

// checkFork refuses a statement that forks and makes other calls too: the
// child runs the statement again with fork() returning 0, so anything else
// in it would happen twice.
func (c *compiler) checkFork(pos Pos, s stmt) {
	var calls []string
	walkStmt(s, func(e expr) {
		if x, ok := e.(*call); ok {
			calls = append(calls, x.name)
		}
	})
	c.forkRule(pos, calls)
}

func (c *compiler) checkForkExpr(pos Pos, e expr) {
	var calls []string
	walkExpr(e, func(e expr) {
		if x, ok := e.(*call); ok {
			calls = append(calls, x.name)
		}
	})
	c.forkRule(pos, calls)
}

func (c *compiler) forkRule(pos Pos, calls []string) {
	forks := 0
	for _, n := range calls {
		if n == "fork" {
			forks++
		}
	}
	if forks > 0 && len(calls) > 1 {
		c.fail(pos, "fork() must be the only call in its statement: write pid_t pid = fork(); and use pid after")
	}
}

// walkStmt calls f for every expression in a simple statement.
func walkStmt(s stmt, f func(expr)) {
	switch s := s.(type) {
	case *declStmt:
		for _, d := range s.decls {
			walkExpr(d.init, f)
		}
	case *exprStmt:
		walkExpr(s.x, f)
	case *returnStmt:
		walkExpr(s.x, f)
	}
}

// walkExpr calls f for e and every expression inside it.
func walkExpr(e expr, f func(expr)) {
	if e == nil {
		return
	}
	f(e)
	switch e := e.(type) {
	case *unary:
		walkExpr(e.x, f)
	case *binOp:
		walkExpr(e.x, f)
		walkExpr(e.y, f)
	case *assign:
		walkExpr(e.lhs, f)
		walkExpr(e.rhs, f)
	case *incDec:
		walkExpr(e.x, f)
	case *index:
		walkExpr(e.x, f)
		walkExpr(e.i, f)
	case *cast:
		walkExpr(e.x, f)
	case *call:
		for _, a := range e.args {
			walkExpr(a, f)
		}
	}
}

// needPointer refuses * or [] on what is plainly not a pointer: a number,
// or a variable declared with a type that is not one.
func (c *compiler) needPointer(pos Pos, x expr) {
	switch x := x.(type) {
	case *intLit:
		c.fail(pos, "* and [] need a pointer, not the number %d", x.v)
	case *ident:
		if t, ok := c.types[x.name]; ok && !t.ptr {
			c.fail(pos, "* and [] need a pointer: %s is %s", x.name, article(t.name))
		}
	}
}
