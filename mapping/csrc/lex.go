package csrc

import (
	"fmt"
	"go/scanner"
	"go/token"
	"strconv"
	"strings"
)

// Pos is a place in the source: line and column, from 1.
type Pos struct{ Line, Col int }

func (p Pos) String() string { return fmt.Sprintf("line %d, column %d", p.Line, p.Col) }

// tok is one token.
type tok struct {
	t   token.Token
	lit string // the text: identifier, literal, or operator
	pos Pos
	off int // byte offset, to tell adjacent tokens apart
}

// SyntaxError is an error in the program's text, before anything ran.
type SyntaxError struct {
	Pos  Pos
	Msg  string
	Line string // the source line
	// Incomplete is set when the text only ended too soon (a statement
	// without its ';', a '{' never closed): more lines may complete it.
	Incomplete bool
}

// Error names the place, says what is wrong, and shows the line with a
// caret under the column.
func (e *SyntaxError) Error() string {
	s := fmt.Sprintf("%s: %s", e.Pos, e.Msg)
	if e.Line == "" {
		return s
	}
	line := strings.ReplaceAll(e.Line, "\t", " ")
	col := min(max(1, e.Pos.Col), len(line)+1)
	return s + "\n    " + line + "\n    " + strings.Repeat(" ", col-1) + "^"
}

// maxSource bounds the text one Load accepts.
const maxSource = 1 << 20

// lex turns source into tokens. Preprocessor lines are blanked (#include is
// needless here; #define and the rest are refused), so line numbers stay.
func lex(src string) ([]tok, error) {
	lines := strings.Split(src, "\n")
	errAt := func(p Pos, format string, args ...any) error {
		l := ""
		if p.Line >= 1 && p.Line <= len(lines) {
			l = lines[p.Line-1]
		}
		return &SyntaxError{Pos: p, Msg: fmt.Sprintf(format, args...), Line: l}
	}
	if len(src) > maxSource {
		return nil, errAt(Pos{1, 1}, "the program is longer than %d bytes", maxSource)
	}
	clean := make([]string, len(lines))
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			word := strings.Fields(strings.TrimPrefix(t, "#"))
			if len(word) == 0 || word[0] != "include" {
				return nil, errAt(Pos{i + 1, strings.Index(l, "#") + 1}, "preprocessor lines other than #include are not supported")
			}
			continue // a blank line in its place
		}
		clean[i] = l
	}
	text := []byte(strings.Join(clean, "\n"))

	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(text))
	var firstErr error
	var s scanner.Scanner
	s.Init(file, text, func(p token.Position, msg string) {
		// Go's escapes are stricter than C's ('\0'); literals are decoded
		// below with C's rules, so those complaints do not apply.
		if firstErr != nil || strings.Contains(msg, "escape") {
			return
		}
		switch {
		case p.Offset < len(text) && text[p.Offset] == '?':
			msg = "the ?: operator is not supported: use if/else"
		case msg == "illegal rune literal":
			msg = "a character literal holds one character, e.g. 'A' (text goes in double quotes)"
		}
		firstErr = errAt(Pos{p.Line, p.Column}, "%s", msg)
	}, 0)
	var toks []tok
	for {
		p, t, lit := s.Scan()
		if firstErr != nil {
			return nil, firstErr
		}
		pos := fset.Position(p)
		at := Pos{pos.Line, pos.Column}
		switch t {
		case token.EOF:
			toks = append(toks, tok{t: token.EOF, pos: at, off: pos.Offset})
			return toks, nil
		case token.SEMICOLON:
			if lit == "\n" {
				continue // Go's automatic semicolon: C has none
			}
		case token.ILLEGAL:
			if lit == "?" {
				return nil, errAt(at, "the ?: operator is not supported: use if/else")
			}
			return nil, errAt(at, "unexpected character %s", strconv.Quote(lit))
		case token.FLOAT, token.IMAG:
			return nil, errAt(at, "floating-point numbers are not supported: only integers")
		case token.STRING:
			if strings.HasPrefix(lit, "`") {
				return nil, errAt(at, "unexpected `: strings are written in double quotes")
			}
		case token.IDENT, token.INT, token.CHAR:
		default:
			if t.IsOperator() || t.IsKeyword() {
				lit = t.String()
			}
		}
		toks = append(toks, tok{t: t, lit: lit, pos: at, off: pos.Offset})
	}
}

// Unquote decodes a C character or string literal, quotes included, with
// C's escapes ('\0', "\x41", "\101", "\n", …).
func Unquote(lit string) (string, error) {
	if len(lit) < 2 {
		return "", fmt.Errorf("bad literal %s", lit)
	}
	body := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(body) {
			return "", fmt.Errorf("a literal ends with a lone backslash")
		}
		switch e := body[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'e':
			b.WriteByte(0x1b)
		case '\\', '\'', '"', '?':
			b.WriteByte(e)
		case 'x':
			j := i + 1
			for j < len(body) && j < i+3 && isHex(body[j]) {
				j++
			}
			if j == i+1 {
				return "", fmt.Errorf(`\x needs hex digits`)
			}
			v, _ := strconv.ParseUint(body[i+1:j], 16, 8)
			b.WriteByte(byte(v))
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(body) && j < i+3 && body[j] >= '0' && body[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(body[i:j], 8, 16)
			if v > 255 {
				return "", fmt.Errorf("octal escape \\%s is more than 255", body[i:j])
			}
			b.WriteByte(byte(v))
			i = j - 1
		default:
			return "", fmt.Errorf("unknown escape sequence \\%c", e)
		}
	}
	return b.String(), nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
