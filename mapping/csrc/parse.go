package csrc

import (
	"fmt"
	"go/token"
	"strconv"
	"strings"
)

// parser builds statements from tokens.
type parser struct {
	toks  []tok
	i     int
	lines []string
	depth int // nesting, bounded so a hostile input cannot exhaust the stack
}

// maxDepth bounds the nesting of expressions and statements.
const maxDepth = 200

// parse reads a whole program: statements, or one main() whose body is
// the program.
func parse(src string) ([]stmt, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, lines: strings.Split(src, "\n")}
	return p.program()
}

// syntax panics with a SyntaxError at pos; program recovers it.
type syntaxPanic struct{ err *SyntaxError }

func (p *parser) fail(pos Pos, format string, args ...any) {
	line := ""
	if pos.Line >= 1 && pos.Line <= len(p.lines) {
		line = p.lines[pos.Line-1]
	}
	// At the end of the text, the program is unfinished rather than wrong.
	incomplete := p.peek().t == token.EOF
	panic(syntaxPanic{&SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...), Line: line, Incomplete: incomplete}})
}

func (p *parser) program() (list []stmt, err error) {
	defer func() {
		if r := recover(); r != nil {
			sp, ok := r.(syntaxPanic)
			if !ok {
				panic(r)
			}
			list, err = nil, sp.err
		}
	}()
	for p.peek().t != token.EOF {
		if body, ok := p.function(); ok {
			list = append(list, body...)
			continue
		}
		list = append(list, p.statement())
	}
	return list, nil
}

func (p *parser) peek() tok        { return p.toks[p.i] }
func (p *parser) peekAt(k int) tok { return p.toks[min(p.i+k, len(p.toks)-1)] }

func (p *parser) next() tok {
	t := p.toks[p.i]
	if t.t != token.EOF {
		p.i++
	}
	return t
}

// is reports whether the next token is the operator or keyword t.
func (p *parser) is(t token.Token) bool { return p.peek().t == t }

func (p *parser) isWord(w string) bool { return p.peek().t == token.IDENT && p.peek().lit == w }

func (p *parser) expect(t token.Token, what string) tok {
	if !p.is(t) {
		p.unexpected("expected " + what)
	}
	return p.next()
}

// unexpected fails at the next token, saying what was expected.
func (p *parser) unexpected(expected string) {
	t := p.peek()
	switch {
	case t.t == token.EOF:
		p.fail(t.pos, "%s, found the end of the program", expected)
	case t.lit != "":
		p.fail(t.pos, "%s, found %q", expected, t.lit)
	default:
		p.fail(t.pos, "%s, found %s", expected, t.t)
	}
}

func (p *parser) enter(pos Pos) {
	if p.depth++; p.depth > maxDepth {
		p.fail(pos, "nested more than %d deep", maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// goKeywordsAsNames are Go keywords that are ordinary names in C.
var goKeywordsAsNames = map[token.Token]bool{
	token.FUNC: true, token.VAR: true, token.TYPE: true, token.MAP: true, token.RANGE: true,
	token.CHAN: true, token.GO: true, token.SELECT: true, token.PACKAGE: true, token.IMPORT: true,
	token.INTERFACE: true, token.DEFER: true, token.FALLTHROUGH: true, token.CONST: true, token.STRUCT: true,
}

// baseTypes are the type names the interpreter knows.
var baseTypes = map[string]ctype{
	"int": tInt, "long": tLong, "short": {name: "short", size: 2}, "char": tChar,
	"void":    {name: "void", size: 0},
	"size_t":  {name: "size_t", size: 8, unsigned: true},
	"ssize_t": {name: "ssize_t", size: 8}, "off_t": {name: "off_t", size: 8},
	"pid_t": {name: "pid_t", size: 4}, "mode_t": {name: "mode_t", size: 4, unsigned: true},
	"int8_t": {name: "int8_t", size: 1}, "uint8_t": {name: "uint8_t", size: 1, unsigned: true},
	"int16_t": {name: "int16_t", size: 2}, "uint16_t": {name: "uint16_t", size: 2, unsigned: true},
	"int32_t": {name: "int32_t", size: 4}, "uint32_t": {name: "uint32_t", size: 4, unsigned: true},
	"int64_t": {name: "int64_t", size: 8}, "uint64_t": {name: "uint64_t", size: 8, unsigned: true},
	"intptr_t": {name: "intptr_t", size: 8}, "uintptr_t": {name: "uintptr_t", size: 8, unsigned: true},
	"unsigned": {name: "unsigned", size: 4, unsigned: true}, "signed": tInt,
}

// qualifiers are words that may precede a type and change nothing here.
var qualifiers = map[string]bool{"const": true, "volatile": true, "static": true, "register": true, "extern": true}

// unsupportedWords name constructs the interpreter rejects by name.
var unsupportedWords = map[string]string{
	"while":  "`while` loops are not supported: use a counted for loop",
	"do":     "`do … while` loops are not supported: use a counted for loop",
	"struct": "structs are not supported", "union": "unions are not supported",
	"enum": "enums are not supported", "typedef": "typedef is not supported",
	"float": "floating-point types are not supported", "double": "floating-point types are not supported",
}

// word is the identifier text of t, counting Go keywords that are C names.
func word(t tok) (string, bool) {
	if t.t == token.IDENT {
		return t.lit, true
	}
	if goKeywordsAsNames[t.t] {
		return t.t.String(), true
	}
	return "", false
}

// startsType reports whether the tokens from offset k begin a type name.
func (p *parser) startsType(k int) bool {
	w, ok := word(p.peekAt(k))
	if !ok {
		return false
	}
	_, base := baseTypes[w]
	return base || qualifiers[w]
}

// typeName reads a type: qualifiers, a base type (with unsigned, long
// long…), and stars.
func (p *parser) typeName() ctype {
	t := p.baseType()
	for p.is(token.MUL) {
		p.next()
		t = pointerTo(t)
	}
	for p.isWord("const") {
		p.next()
	}
	return t
}

// baseType reads qualifiers and a base type, without stars.
func (p *parser) baseType() ctype {
	start := p.peek().pos
	var words []string
	for {
		w, ok := word(p.peek())
		if !ok {
			break
		}
		if msg, bad := unsupportedWords[w]; bad {
			p.fail(p.peek().pos, "%s", msg)
		}
		if qualifiers[w] {
			p.next()
			continue
		}
		if _, ok := baseTypes[w]; !ok {
			break
		}
		words = append(words, w)
		p.next()
	}
	if len(words) == 0 {
		p.fail(start, "expected a type")
	}
	t := combine(words)
	if t.size < 0 {
		p.fail(start, "%q is not a type this interpreter knows", strings.Join(words, " "))
	}
	return t
}

// combine makes one type of words such as "unsigned long long int".
func combine(words []string) ctype {
	if len(words) == 1 {
		return baseTypes[words[0]]
	}
	unsigned, size, named := false, 4, ""
	for _, w := range words {
		switch w {
		case "unsigned":
			unsigned = true
		case "signed":
		case "long":
			size = 8
		case "short":
			size = 2
		case "char":
			size = 1
		case "int":
		default:
			if named != "" {
				return ctype{size: -1}
			}
			named = w
		}
	}
	if named != "" {
		return ctype{size: -1}
	}
	return ctype{name: strings.Join(words, " "), size: size, unsigned: unsigned}
}

// function reads `int main(…) { … }` and returns its body. Other function
// definitions are refused.
func (p *parser) function() ([]stmt, bool) {
	save := p.i
	if !p.startsType(0) {
		return nil, false
	}
	p.typeName()
	name, ok := word(p.peek())
	if !ok || p.peekAt(1).t != token.LPAREN {
		p.i = save
		return nil, false
	}
	pos := p.next().pos
	p.next()
	for depth := 1; depth > 0; {
		switch p.next().t {
		case token.LPAREN:
			depth++
		case token.RPAREN:
			depth--
		case token.EOF:
			p.fail(pos, "unclosed ( after %s", name)
		}
	}
	if !p.is(token.LBRACE) {
		p.fail(pos, "declaring functions is not supported; call the ones the interpreter knows")
	}
	if name != "main" {
		p.fail(pos, "defining functions is not supported (only main)")
	}
	b := p.block()
	return b.list, true
}

// statement reads one statement.
func (p *parser) statement() stmt {
	t := p.peek()
	p.enter(t.pos)
	defer p.leave()
	switch t.t {
	case token.LBRACE:
		return p.block()
	case token.SEMICOLON:
		p.next()
		return &emptyStmt{pos: t.pos}
	case token.IF:
		p.next()
		p.expect(token.LPAREN, "( after if")
		cond := p.expression()
		p.expect(token.RPAREN, ") after the condition")
		s := &ifStmt{pos: t.pos, cond: cond, then: p.statement()}
		if p.is(token.ELSE) {
			p.next()
			s.els = p.statement()
		}
		return s
	case token.FOR:
		return p.forStatement()
	case token.RETURN:
		p.next()
		s := &returnStmt{pos: t.pos}
		if !p.is(token.SEMICOLON) {
			s.x = p.expression()
		}
		p.expect(token.SEMICOLON, "; after return")
		return s
	case token.SWITCH, token.CASE, token.DEFAULT:
		p.fail(t.pos, "`switch` is not supported: use if/else")
	case token.BREAK, token.CONTINUE, token.GOTO:
		p.fail(t.pos, "`%s` is not supported", t.lit)
	}
	if w, ok := word(t); ok {
		if msg, bad := unsupportedWords[w]; bad {
			p.fail(t.pos, "%s", msg)
		}
	}
	if p.startsType(0) {
		s := p.declaration()
		p.expect(token.SEMICOLON, "; after the declaration")
		return s
	}
	x := p.expression()
	p.expect(token.SEMICOLON, "; after the statement")
	return &exprStmt{pos: t.pos, x: x}
}

func (p *parser) block() *blockStmt {
	open := p.expect(token.LBRACE, "{")
	b := &blockStmt{pos: open.pos}
	for !p.is(token.RBRACE) {
		if p.is(token.EOF) {
			p.fail(open.pos, "this { is never closed")
		}
		b.list = append(b.list, p.statement())
	}
	p.next()
	return b
}

func (p *parser) forStatement() stmt {
	t := p.next()
	p.expect(token.LPAREN, "( after for")
	s := &forStmt{pos: t.pos}
	switch {
	case p.is(token.SEMICOLON):
	case p.startsType(0):
		s.init = p.declaration()
	default:
		s.init = &exprStmt{pos: p.peek().pos, x: p.expression()}
	}
	p.expect(token.SEMICOLON, "; after the for loop's start")
	if !p.is(token.SEMICOLON) {
		s.cond = p.expression()
	}
	p.expect(token.SEMICOLON, "; after the for loop's condition")
	if !p.is(token.RPAREN) {
		s.post = p.expression()
	}
	p.expect(token.RPAREN, ") after the for loop's step")
	s.body = p.statement()
	return s
}

// declaration reads `type a = 1, *b = …` (without the semicolon).
func (p *parser) declaration() *declStmt {
	pos := p.peek().pos
	base := p.baseType() // `int* a, b`: the star belongs to a only
	d := &declStmt{pos: pos}
	for {
		t := base
		for p.is(token.MUL) {
			p.next()
			t = pointerTo(t)
		}
		for p.isWord("const") {
			p.next()
		}
		nt := p.peek()
		name, ok := word(nt)
		if !ok {
			p.unexpected("expected a name to declare")
		}
		if _, isType := baseTypes[name]; isType {
			p.fail(nt.pos, "%q is a type, not a name", name)
		}
		p.next()
		if t.size == 0 && !t.ptr {
			p.fail(nt.pos, "a variable cannot be void")
		}
		if p.is(token.LBRACK) {
			p.fail(p.peek().pos, "arrays are not supported: map memory with mmap and use a pointer")
		}
		dl := declarator{pos: nt.pos, name: name, t: t}
		if p.is(token.ASSIGN) {
			p.next()
			dl.init = p.assignment()
		}
		d.decls = append(d.decls, dl)
		if !p.is(token.COMMA) {
			return d
		}
		p.next()
	}
}

// expression reads an expression (no comma operator).
func (p *parser) expression() expr { return p.assignment() }

var assignOps = map[token.Token]bool{
	token.ASSIGN: true, token.ADD_ASSIGN: true, token.SUB_ASSIGN: true, token.MUL_ASSIGN: true,
	token.QUO_ASSIGN: true, token.REM_ASSIGN: true, token.AND_ASSIGN: true, token.OR_ASSIGN: true,
	token.XOR_ASSIGN: true, token.SHL_ASSIGN: true, token.SHR_ASSIGN: true,
}

func (p *parser) assignment() expr {
	p.enter(p.peek().pos)
	defer p.leave()
	lhs := p.binary(1)
	if t := p.peek(); assignOps[t.t] {
		p.next()
		switch l := lhs.(type) {
		case *ident, *index:
		case *unary:
			if l.op != token.MUL {
				p.fail(t.pos, "the left side of %s cannot be assigned to", t.lit)
			}
		default:
			p.fail(t.pos, "the left side of %s cannot be assigned to", t.lit)
		}
		return &assign{pos: t.pos, op: t.t, lhs: lhs, rhs: p.assignment()}
	}
	if t := p.peek(); t.t == token.DEFINE {
		p.fail(t.pos, ":= is Go, not C: declare with a type, e.g. int x = 1;")
	}
	return lhs
}

// precedence of the binary operators, loosest first (C's table).
func precedence(t token.Token) int {
	switch t {
	case token.LOR:
		return 1
	case token.LAND:
		return 2
	case token.OR:
		return 3
	case token.XOR:
		return 4
	case token.AND:
		return 5
	case token.EQL, token.NEQ:
		return 6
	case token.LSS, token.LEQ, token.GTR, token.GEQ:
		return 7
	case token.SHL, token.SHR:
		return 8
	case token.ADD, token.SUB:
		return 9
	case token.MUL, token.QUO, token.REM:
		return 10
	}
	return 0
}

func (p *parser) binary(min int) expr {
	x := p.unary()
	for {
		t := p.peek()
		prec := precedence(t.t)
		if prec < min || prec == 0 {
			return x
		}
		p.next()
		p.enter(t.pos)
		y := p.binary(prec + 1)
		p.leave()
		x = &binOp{pos: t.pos, op: t.t, x: x, y: y}
	}
}

func (p *parser) unary() expr {
	t := p.peek()
	p.enter(t.pos)
	defer p.leave()
	switch t.t {
	case token.SUB, token.ADD, token.NOT, token.TILDE, token.MUL, token.AND:
		p.next()
		return &unary{pos: t.pos, op: t.t, x: p.unary()}
	case token.XOR: // Go reads ~ as XOR in some positions; C's ^ is never unary
		p.fail(t.pos, "unexpected ^")
	case token.INC, token.DEC:
		p.next()
		return &incDec{pos: t.pos, op: t.t, x: p.unary()}
	case token.LPAREN:
		if p.startsType(1) {
			p.next()
			ct := p.typeName()
			p.expect(token.RPAREN, ") after the type of the cast")
			return &cast{pos: t.pos, t: ct, x: p.unary()}
		}
	}
	if p.isWord("sizeof") {
		p.next()
		if p.is(token.LPAREN) && p.startsType(1) {
			p.next()
			ct := p.typeName()
			p.expect(token.RPAREN, ") after the type")
			return &sizeofType{pos: t.pos, t: ct}
		}
		p.fail(t.pos, "sizeof is supported for types only, e.g. sizeof(int)")
	}
	return p.postfix(p.primary())
}

func (p *parser) postfix(x expr) expr {
	for {
		t := p.peek()
		switch t.t {
		case token.LBRACK:
			p.next()
			i := p.expression()
			p.expect(token.RBRACK, "]")
			x = &index{pos: t.pos, x: x, i: i}
		case token.INC, token.DEC:
			p.next()
			x = &incDec{pos: t.pos, op: t.t, x: x, post: true}
		case token.LPAREN:
			id, ok := x.(*ident)
			if !ok {
				p.fail(t.pos, "only named functions can be called")
			}
			p.next()
			c := &call{pos: id.pos, name: id.name}
			for !p.is(token.RPAREN) {
				c.args = append(c.args, p.assignment())
				if !p.is(token.COMMA) {
					break
				}
				p.next()
			}
			p.expect(token.RPAREN, ") or , in the arguments of "+id.name)
			x = c
		case token.PERIOD:
			p.fail(t.pos, "structs are not supported")
		default:
			if t.t == token.GTR && p.toks[p.i-1].t == token.SUB {
				p.fail(t.pos, "structs are not supported")
			}
			return x
		}
	}
}

func (p *parser) primary() expr {
	t := p.peek()
	switch t.t {
	case token.INT:
		p.next()
		v, err := strconv.ParseUint(strings.ReplaceAll(t.lit, "_", ""), 0, 64)
		if err != nil || strings.Contains(t.lit, "_") || strings.HasPrefix(t.lit, "0o") || strings.HasPrefix(t.lit, "0b") {
			p.fail(t.pos, "%s is not a C integer (or does not fit in 64 bits)", t.lit)
		}
		typ := tInt
		if v > 0x7fffffff {
			typ = tLong
		}
		// A suffix (10UL) comes as a name right after the number.
		if n := p.peek(); n.t == token.IDENT && n.off == t.off+len(t.lit) {
			suf := strings.ToLower(n.lit)
			if strings.Trim(suf, "ul") != "" {
				p.fail(n.pos, "%s%s is not a C integer", t.lit, n.lit)
			}
			p.next()
			if strings.Contains(suf, "l") {
				typ = tLong
			}
			if strings.Contains(suf, "u") {
				typ.unsigned = true
			}
		}
		return &intLit{pos: t.pos, v: v, t: typ}
	case token.CHAR:
		p.next()
		s, err := Unquote(t.lit)
		if err != nil {
			p.fail(t.pos, "%v", err)
		}
		if len(s) != 1 {
			p.fail(t.pos, "a character literal holds one byte: %s", t.lit)
		}
		return &intLit{pos: t.pos, v: uint64(int64(int8(s[0]))), t: tInt}
	case token.STRING:
		var b strings.Builder
		for p.is(token.STRING) { // "a" "b" is "ab", as in C
			st := p.next()
			s, err := Unquote(st.lit)
			if err != nil {
				p.fail(st.pos, "%v", err)
			}
			b.WriteString(s)
		}
		return &strLit{pos: t.pos, s: b.String()}
	case token.LPAREN:
		p.next()
		x := p.expression()
		p.expect(token.RPAREN, ")")
		return x
	}
	if w, ok := word(t); ok {
		if msg, bad := unsupportedWords[w]; bad {
			p.fail(t.pos, "%s", msg)
		}
		if _, isType := baseTypes[w]; isType || qualifiers[w] {
			p.fail(t.pos, "a declaration (%s …) cannot stand here", w)
		}
		p.next()
		return &ident{pos: t.pos, name: w}
	}
	p.unexpected("expected a value")
	return nil
}
