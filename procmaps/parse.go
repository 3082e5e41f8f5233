package procmaps

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrParse is wrapped by every error about text that is not in the format
// of /proc/<pid>/maps.
var ErrParse = errors.New("malformed maps line")

// errRaced reports a maps text whose lines overlap or repeat: the process
// changed its mappings while the text was being read.
var errRaced = errors.New("maps changed while being read")

// Parser parses maps text. It remembers the path strings it has seen so a
// refresh of an unchanged process allocates no new strings; the zero value
// is ready to use. A Parser is not safe for concurrent use.
//
// procfs.ProcMaps is not used for this: it splits lines on whitespace and
// joins the path back with single spaces (a file named "a  b" becomes
// "a b", a trailing space is lost), and it allocates several objects per
// line. TestParseKeepsSpacesUnlikeProcfs shows the difference.
type Parser struct {
	paths map[string]string
}

// Parse parses a whole maps file. The result is in the kernel's order
// (ascending addresses).
func (p *Parser) Parse(data []byte) ([]Mapping, error) {
	return p.parseInto(make([]Mapping, 0, bytes.Count(data, []byte{'\n'})+1), data)
}

func (p *Parser) parseInto(out []Mapping, data []byte) ([]Mapping, error) {
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		m, err := p.parseLine(line)
		if err != nil {
			return out, fmt.Errorf("line %d: %w", lineNo, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// ParseLine parses one line of maps text, without its newline.
func ParseLine(line []byte) (Mapping, error) {
	var p Parser
	return p.parseLine(line)
}

func (p *Parser) parseLine(line []byte) (Mapping, error) {
	var m Mapping
	rest := line
	var ok bool
	if m.Start, rest, ok = hexUntil(rest, '-'); !ok {
		return m, fmt.Errorf("%w: bad start address in %q", ErrParse, line)
	}
	if m.End, rest, ok = hexUntil(rest, ' '); !ok || m.End < m.Start {
		return m, fmt.Errorf("%w: bad end address in %q", ErrParse, line)
	}
	if len(rest) < 5 || rest[4] != ' ' {
		return m, fmt.Errorf("%w: bad permissions in %q", ErrParse, line)
	}
	if !permChar(rest[0], 'r') || !permChar(rest[1], 'w') || !permChar(rest[2], 'x') ||
		(rest[3] != 'p' && rest[3] != 's') {
		return m, fmt.Errorf("%w: bad permissions in %q", ErrParse, line)
	}
	m.Perms = Perms{Read: rest[0] == 'r', Write: rest[1] == 'w', Exec: rest[2] == 'x', Shared: rest[3] == 's'}
	rest = rest[5:]
	if m.Offset, rest, ok = hexUntil(rest, ' '); !ok {
		return m, fmt.Errorf("%w: bad offset in %q", ErrParse, line)
	}
	var v uint64
	if v, rest, ok = hexUntil(rest, ':'); !ok || v > 0xffffffff {
		return m, fmt.Errorf("%w: bad device in %q", ErrParse, line)
	}
	m.Major = uint32(v)
	if v, rest, ok = hexUntil(rest, ' '); !ok || v > 0xffffffff {
		return m, fmt.Errorf("%w: bad device in %q", ErrParse, line)
	}
	m.Minor = uint32(v)
	// The inode is the last field that always exists; the kernel follows
	// it with a space (and padding) only when a name comes after it.
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		m.Inode = m.Inode*10 + uint64(rest[i]-'0')
		i++
	}
	if i == 0 || i < len(rest) && rest[i] != ' ' {
		return m, fmt.Errorf("%w: bad inode in %q", ErrParse, line)
	}
	rest = rest[i:]
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	if len(rest) > 0 {
		m.Path = p.intern(rest)
	}
	m.Kind = Classify(m)
	return m, nil
}

func (p *Parser) intern(b []byte) string {
	if s, ok := p.paths[string(b)]; ok {
		return s
	}
	s := string(b)
	if p.paths == nil {
		p.paths = make(map[string]string)
	} else if len(p.paths) > 1<<16 {
		clear(p.paths)
	}
	p.paths[s] = s
	return s
}

func permChar(c, want byte) bool { return c == want || c == '-' }

// hexUntil parses lower- or upper-case hex digits up to sep and returns
// the value and the text after sep.
func hexUntil(b []byte, sep byte) (uint64, []byte, bool) {
	var v uint64
	i := 0
	for ; i < len(b) && b[i] != sep; i++ {
		c := b[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, nil, false
		}
		if i >= 16 {
			return 0, nil, false
		}
		v = v<<4 | uint64(d)
	}
	if i == 0 || i == len(b) {
		return 0, nil, false
	}
	return v, b[i+1:], true
}

// checkOrder reports errRaced when mappings overlap or are out of order,
// which a consistent maps text never has.
func checkOrder(ms []Mapping) error {
	for i := 1; i < len(ms); i++ {
		if ms[i].Start < ms[i-1].End {
			return fmt.Errorf("%w: %x-%x after %x-%x", errRaced, ms[i].Start, ms[i].End, ms[i-1].Start, ms[i-1].End)
		}
	}
	return nil
}
