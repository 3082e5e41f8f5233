package procmaps

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
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
	last  string // the name of the previous line
}

// Parse parses a whole maps file. The result is in the kernel's order
// (ascending addresses).
func (p *Parser) Parse(data []byte) ([]Mapping, error) {
	out := make([]Mapping, countLines(data))
	if err := p.parseLines(out, data, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// parseChanged returns what Parse(text) returns, for the new maps text of
// a process whose previous text prevText parsed into prev (both may be
// empty). The lines the two texts share at their start and at their end
// are not parsed again but copied from prev: a refresh after one mmap
// parses a line or two. ms[lo:hi] are the lines it did parse.
func (p *Parser) parseChanged(text, prevText []byte, prev []Mapping) (ms []Mapping, lo, hi int, err error) {
	// The shared head ends after a newline, so it is whole lines in both.
	head := commonPrefix(text, prevText)
	head = bytes.LastIndexByte(text[:head], '\n') + 1
	// The shared tail is searched after the head and starts after one of
	// its own newlines, so it too is whole lines in both texts.
	tail := 0
	if len(text) > 0 && text[len(text)-1] == '\n' {
		tail = commonSuffix(text[head:], prevText[head:])
		if nl := bytes.IndexByte(text[len(text)-tail:], '\n'); nl >= 0 {
			tail -= nl + 1
		}
	}
	// Count the shared lines by finding their addresses in prev, not by
	// counting newlines.
	nHead, nTail := len(prev), 0
	if head < len(prevText) {
		nHead = indexAt(prev, prevText, head)
	}
	if tail > 0 {
		nTail = len(prev) - indexAt(prev, prevText, len(prevText)-tail)
	}
	if len(prevText) == 0 || nHead < 0 || nTail > len(prev) || nHead > len(prev)-nTail {
		// Nothing to share, or prev is not prevText's: parse everything.
		ms, err = p.Parse(text)
		return ms, 0, len(ms), err
	}
	middle := text[head : len(text)-tail]
	nMiddle := countLines(middle)
	ms = make([]Mapping, nHead+nMiddle+nTail)
	copy(ms, prev[:nHead])
	if err := p.parseLines(ms[nHead:nHead+nMiddle], middle, nHead); err != nil {
		return nil, 0, 0, err
	}
	copy(ms[nHead+nMiddle:], prev[len(prev)-nTail:])
	return ms, nHead, nHead + nMiddle, nil
}

// indexAt returns the index in prev of the mapping whose line starts at
// text[off:], or -1.
func indexAt(prev []Mapping, text []byte, off int) int {
	start, _, ok := hexField(text, off, '-')
	if !ok {
		return -1
	}
	i, found := slices.BinarySearchFunc(prev, start, func(m Mapping, start uint64) int { return cmp.Compare(m.Start, start) })
	if !found {
		return -1
	}
	return i
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	const chunk = 1 << 10 // compare in blocks at memcmp speed first
	for i+chunk <= n && bytes.Equal(a[i:i+chunk], b[i:i+chunk]) {
		i += chunk
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// commonSuffix returns the length of the longest common suffix of a and b.
func commonSuffix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	const chunk = 1 << 10
	for i+chunk <= n && bytes.Equal(a[len(a)-i-chunk:len(a)-i], b[len(b)-i-chunk:len(b)-i]) {
		i += chunk
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

// countLines counts the lines of data, the last one with or without its
// newline.
func countLines(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// parseLines parses the lines of data into out, which has room for
// exactly countLines(data) mappings. Lines are numbered in errors from
// firstLine+1.
func (p *Parser) parseLines(out []Mapping, data []byte, firstLine int) error {
	for i := range out {
		n, err := p.parseLine(data, &out[i])
		if err != nil {
			return fmt.Errorf("line %d: %w", firstLine+i+1, err)
		}
		data = data[n:]
	}
	return nil
}

// ParseLine parses one line of maps text, without its newline.
func ParseLine(line []byte) (Mapping, error) {
	var p Parser
	var m Mapping
	n, err := p.parseLine(line, &m)
	if err == nil && n != len(line) {
		return Mapping{}, fmt.Errorf("%w: newline inside %q", ErrParse, line)
	}
	return m, err
}

// parseLine parses the line at the start of data into *m, which must be
// the zero Mapping, and returns the length of the line and its newline.
// It is the hot loop of a refresh: one pass over the bytes, no allocation
// unless the name is new.
func (p *Parser) parseLine(data []byte, m *Mapping) (int, error) {
	var ok bool
	i := 0
	if m.Start, i, ok = hexField(data, i, '-'); !ok {
		return 0, lineError(data, "bad start address")
	}
	if m.End, i, ok = hexField(data, i, ' '); !ok || m.End < m.Start {
		return 0, lineError(data, "bad end address")
	}
	if len(data) < i+5 || data[i+4] != ' ' || !permChar(data[i], 'r') || !permChar(data[i+1], 'w') ||
		!permChar(data[i+2], 'x') || (data[i+3] != 'p' && data[i+3] != 's') {
		return 0, lineError(data, "bad permissions")
	}
	m.Perms = Perms{Read: data[i] == 'r', Write: data[i+1] == 'w', Exec: data[i+2] == 'x', Shared: data[i+3] == 's'}
	i += 5
	if m.Offset, i, ok = hexField(data, i, ' '); !ok {
		return 0, lineError(data, "bad offset")
	}
	var major, minor uint64
	if major, i, ok = hexField(data, i, ':'); !ok || major > 0xffffffff {
		return 0, lineError(data, "bad device")
	}
	if minor, i, ok = hexField(data, i, ' '); !ok || minor > 0xffffffff {
		return 0, lineError(data, "bad device")
	}
	m.Major, m.Minor = uint32(major), uint32(minor)
	// The inode is the last field that always exists; the kernel follows
	// it with a space (and padding) only when a name comes after it.
	digits := i
	for ; i < len(data) && data[i] >= '0' && data[i] <= '9'; i++ {
		m.Inode = m.Inode*10 + uint64(data[i]-'0')
	}
	if i == digits || i-digits > 20 || i < len(data) && data[i] != ' ' && data[i] != '\n' {
		return 0, lineError(data, "bad inode")
	}
	for i < len(data) && data[i] == ' ' {
		i++
	}
	end := i
	if i < len(data) && data[i] != '\n' {
		end = len(data)
		if nl := bytes.IndexByte(data[i:], '\n'); nl >= 0 {
			end = i + nl
		}
		m.Path = p.intern(data[i:end])
	}
	m.Kind = classify(m.Path, m.Perms, m.Inode)
	if end < len(data) {
		end++ // the newline
	}
	return end, nil
}

// lineError describes the first line of data.
func lineError(data []byte, what string) error {
	if nl := bytes.IndexByte(data, '\n'); nl >= 0 {
		data = data[:nl]
	}
	return fmt.Errorf("%w: %s in %q", ErrParse, what, data)
}

// intern returns the name as a string, the same string each time the same
// bytes come: a library's segments and every refresh share one.
func (p *Parser) intern(b []byte) string {
	if string(b) == p.last {
		return p.last
	}
	s, ok := p.paths[string(b)]
	if !ok {
		s = string(b)
		if p.paths == nil {
			p.paths = make(map[string]string)
		} else if len(p.paths) > 1<<16 {
			clear(p.paths)
		}
		p.paths[s] = s
	}
	p.last = s
	return s
}

func permChar(c, want byte) bool { return c == want || c == '-' }

// hexVal maps a byte to its value as a hex digit, or to 0xff.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
		t[c-'a'+'A'] = c - 'a' + 10
	}
	return t
}()

// hexField parses the 1 to 16 lower- or upper-case hex digits of b that
// start at i and end at sep, and returns the value and the index after
// sep.
func hexField(b []byte, i int, sep byte) (uint64, int, bool) {
	var v uint64
	start := i
	for ; i < len(b); i++ {
		d := hexVal[b[i]]
		if d > 15 {
			break
		}
		v = v<<4 | uint64(d)
	}
	if i == start || i-start > 16 || i == len(b) || b[i] != sep {
		return 0, 0, false
	}
	return v, i + 1, true
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
