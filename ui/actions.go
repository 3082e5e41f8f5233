package ui

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"mapscope/mapping"
	"mapscope/mapping/csrc"
)

// action is what a form, once valid, does in a process. run is called in a
// command's goroutine, never in Update; it returns one log entry per call
// it made.
type action interface {
	// text is the C the action will run, one line per call: what the form
	// previews and, for calls whose arguments are known, exactly what the
	// call log prints.
	text() string
	run(t mapping.Target) []logEntry
}

// logEntry is one line of the call log.
type logEntry struct {
	pid    int
	text   string   // the C call or statement
	result string   // "= 0x7f3a1c000000", "= -1 EACCES (Permission denied)"
	bad    bool     // the call failed, or the access faulted
	why    string   // a sentence on why it failed
	extra  []string // more lines: a hex dump
	addr   uint64   // mmap: the new mapping, selected when it appears
	fd     int      // open, shm_open: the new descriptor, or -1
	err    error    // the call could not be made: the process is gone, refused

	created string // the file or shm object this call created (absolute path)
	removed string // the name this call removed (absolute path)

	label  string // the console's name of the process ("parent 811"); "" shows the PID
	output bool   // a line the program printed, not a call
	narr   string // a sentence on what the call did (the narration panel)
}

// String is the entry as one line of text, as the log shows it.
func (e logEntry) String() string {
	if e.result == "" {
		return e.text
	}
	return e.text + " " + e.result
}

// entryOf turns a Call into a log entry.
func entryOf(c mapping.Call, err error) logEntry {
	e := logEntry{pid: c.Pid, text: c.Text, result: c.Result(), fd: -1, err: err, narr: explainCall(c),
		created: c.Created, removed: c.Removed}
	switch {
	case err != nil:
		e.bad = true
		e.result = "= ?"
		e.why = err.Error()
	case c.Failed():
		e.bad = true
		e.why = why(c)
	case c.Name == "mmap":
		e.addr = c.Addr()
	case c.Name == "open" || c.Name == "shm_open" || c.Name == "openat":
		e.fd = int(c.Value())
	}
	return e
}

// opAction runs one engine operation: its text is the operation's own, so
// preview and log are the same text by construction.
type opAction struct{ op mapping.Op }

func (a opAction) text() string { return a.op.Text() }

func (a opAction) run(t mapping.Target) []logEntry { return []logEntry{entryOf(a.op.Run(t))} }

// fdPlaceholder stands for a descriptor that does not exist yet in a
// sequence's preview; it is shown as "fd".
const fdPlaceholder = 987654321

// mmapFileAction opens (and when asked creates and sizes) a file or shm
// object, maps it and closes the descriptor: the mapping remains, which
// is one of the lecture's points.
type mmapFileAction struct {
	open mapping.Op // OpenOp or ShmOpenOp
	size int64      // ftruncate to this size first; 0: leave the size
	mmap mapping.MmapOp
}

func (a mmapFileAction) ops(fd int) []mapping.Op {
	ops := []mapping.Op{a.open}
	if a.size > 0 {
		ops = append(ops, mapping.FtruncateOp{FD: fd, Length: a.size})
	}
	m := a.mmap
	m.FD = fd
	return append(ops, m, mapping.CloseOp{FD: fd})
}

func (a mmapFileAction) text() string {
	var lines []string
	for i, op := range a.ops(fdPlaceholder) {
		t := strings.ReplaceAll(op.Text(), strconv.Itoa(fdPlaceholder), "fd")
		if i == 0 {
			t = "fd = " + t
		}
		lines = append(lines, t)
	}
	return strings.Join(lines, "\n")
}

func (a mmapFileAction) run(t mapping.Target) []logEntry {
	first := entryOf(a.open.Run(t))
	out := []logEntry{first}
	if first.bad {
		return out
	}
	for _, op := range a.ops(first.fd)[1:] {
		e := entryOf(op.Run(t))
		out = append(out, e)
		if e.bad {
			// Stop, but never leave the descriptor open behind a failure.
			if _, isClose := op.(mapping.CloseOp); !isClose && e.err == nil {
				out = append(out, entryOf(mapping.CloseOp{FD: first.fd}.Run(t)))
			}
			break
		}
	}
	return out
}

// writeAction stores bytes in the process as the process itself would.
type writeAction struct {
	addr uint64
	data []byte
	c    string // the C statement
}

func (a writeAction) text() string { return a.c }

func (a writeAction) run(t mapping.Target) []logEntry {
	e := logEntry{pid: t.Pid(), text: a.c, fd: -1}
	n, err := t.WriteMemory(a.addr, a.data)
	var f *mapping.Fault
	switch {
	case errors.As(err, &f):
		e.bad = true
		e.result = "→ " + unix.SignalName(f.Signal) + " (" + f.CodeName() + ")"
		e.why = fmt.Sprintf("the process would crash here: %s", f.Error())
		if n > 0 {
			e.why += fmt.Sprintf(" (%d bytes before it were written)", n)
		}
	case err != nil:
		e.bad, e.result, e.why, e.err = true, "= ?", err.Error(), err
	default:
		e.result = "✓ " + plural(uint64(n), "byte") + " written"
	}
	return []logEntry{e}
}

// readAction reads bytes as the process would and logs a hex dump.
type readAction struct {
	addr uint64
	n    int
}

func (a readAction) text() string {
	return fmt.Sprintf("read %d bytes at 0x%x", a.n, a.addr)
}

// run reads as the process would — a page not yet present is faulted in,
// a page past the end of a mapped file is SIGBUS — unlike the memory view,
// which only looks (Peek).
func (a readAction) run(t mapping.Target) []logEntry {
	e := logEntry{pid: t.Pid(), text: a.text(), fd: -1}
	data, err := t.ReadMemory(a.addr, a.n)
	var f *mapping.Fault
	switch {
	case errors.As(err, &f):
		e.bad = true
		e.result = "→ " + unix.SignalName(f.Signal) + " (" + f.CodeName() + ")"
		e.why = fmt.Sprintf("the process would crash here: %s", f.Error())
	case err != nil:
		e.bad, e.result, e.why, e.err = true, "= ?", err.Error(), err
	default:
		e.result = "✓ " + plural(uint64(len(data)), "byte")
	}
	e.extra = hexDump(a.addr, data, 4)
	return []logEntry{e}
}

// hexDump formats up to maxLines lines of 16 bytes: address, hex, ASCII.
func hexDump(addr uint64, data []byte, maxLines int) []string {
	var lines []string
	for off := 0; off < len(data) && len(lines) < maxLines; off += 16 {
		hx, asc := hexRow(data[off:min(off+16, len(data))], 16)
		lines = append(lines, fmt.Sprintf("%012x  %s %s", addr+uint64(off), hx, asc))
	}
	if n := (len(data) + 15) / 16; n > maxLines {
		lines = append(lines, fmt.Sprintf("… %d more bytes", len(data)-maxLines*16))
	}
	return lines
}

// hexRow formats up to per bytes as hex ("6d 61 …", padded to per bytes)
// and as ASCII (non-printable bytes as '.').
func hexRow(row []byte, per int) (hex, ascii string) {
	var hx, asc strings.Builder
	for i := range per {
		if i < len(row) {
			fmt.Fprintf(&hx, "%02x ", row[i])
			c := row[i]
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			asc.WriteByte(c)
		} else {
			hx.WriteString("   ")
		}
	}
	return hx.String(), asc.String()
}

// encodeWrite builds the bytes and C statement of a write of value, typed
// as kind, at addr.
func encodeWrite(addr uint64, kind, value string, count uint64) ([]byte, string, error) {
	p := fmt.Sprintf("0x%x", addr)
	switch kind {
	case "string":
		s, err := unquoteC(value)
		if err != nil {
			return nil, "", err
		}
		return append([]byte(s), 0), fmt.Sprintf("strcpy((char*)%s, %s)", p, mapping.CString(s)), nil
	case "char", "int", "long":
		width := map[string]int{"char": 1, "int": 4, "long": 8}[kind]
		v, lit, err := parseValue(value, width)
		if err != nil {
			return nil, "", err
		}
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, v)
		return b[:width], fmt.Sprintf("*(%s*)%s = %s", kind, p, lit), nil
	case "memset":
		v, lit, err := parseValue(value, 1)
		if err != nil {
			return nil, "", err
		}
		if count == 0 || count > 1<<24 {
			return nil, "", errors.New("count must be from 1 to 16M bytes")
		}
		b := make([]byte, count)
		for i := range b {
			b[i] = byte(v)
		}
		return b, fmt.Sprintf("memset((void*)%s, %s, %d)", p, lit, count), nil
	}
	return nil, "", fmt.Errorf("unknown kind %q", kind)
}

// parseValue reads an integer or a character literal ('A') that fits in
// width bytes (signed or unsigned), and returns it with its C spelling.
func parseValue(s string, width int) (uint64, string, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 3 && s[0] == '\'' && s[len(s)-1] == '\'' {
		u, err := unquoteC(`"` + s[1:len(s)-1] + `"`)
		if err != nil || len(u) != 1 {
			return 0, "", fmt.Errorf("%s is not one character", s)
		}
		return uint64(u[0]), s, nil
	}
	if len(s) == 1 && (s[0] < '0' || s[0] > '9') {
		return uint64(s[0]), "'" + s + "'", nil
	}
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		u, uerr := strconv.ParseUint(s, 0, 64)
		if uerr != nil {
			return 0, "", fmt.Errorf("%q is not a number or a 'c'haracter", s)
		}
		v = int64(u)
	}
	if width < 8 {
		lo, hi := -(int64(1) << (8*width - 1)), int64(1)<<(8*width)-1
		if v < lo || v > hi {
			return 0, "", fmt.Errorf("%s does not fit in %d byte(s)", s, width)
		}
	}
	return uint64(v), s, nil
}

// unquoteC reads a string as typed: either bare text, or a C string
// literal in double quotes, decoded by the console's own rules.
func unquoteC(s string) (string, error) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s, nil
	}
	return csrc.Unquote(s)
}

// why explains in one sentence why a call failed, for the errors people
// meet in the lecture; other errors get strerror's text only.
func why(c mapping.Call) string {
	switch c.Errno {
	case unix.EACCES:
		switch c.Name {
		case "mmap":
			return "the mapping asks for more than the file was opened for: MAP_SHARED with PROT_WRITE needs O_RDWR (MAP_PRIVATE writes go to a private copy, so O_RDONLY is enough)"
		case "mprotect":
			return "a shared file mapping opened read-only cannot become writable"
		}
		return "the permissions on the file do not allow it"
	case unix.EBADF:
		if c.Name == "mmap" {
			return "the descriptor is not open in this process, or (without MAP_ANONYMOUS) not a file that can be mapped"
		}
		return "that descriptor is not open in this process (open one with o; the log shows its number)"
	case unix.EISDIR:
		return "that name is a directory"
	case unix.ENAMETOOLONG:
		return "the name is longer than 255 characters"
	case unix.EINVAL:
		switch c.Name {
		case "ftruncate":
			return "the descriptor is not open for writing, or not a regular file or shm object (open it O_RDWR)"
		case "shm_open", "shm_unlink":
			return "the name must be one '/' and a name of at most 255 characters, without another '/'"
		case "mmap":
			return "a length of 0, an unaligned offset or address, or a flag combination the kernel refuses (exactly one of MAP_SHARED and MAP_PRIVATE)"
		case "msync":
			return "the address is not page-aligned or MS_SYNC and MS_ASYNC were both given"
		}
		return "an argument the kernel refuses: addresses must be page-aligned"
	case unix.ENOMEM:
		switch c.Name {
		case "mprotect", "msync", "madvise":
			return "part of the range is not mapped"
		}
		return "no room for the mapping in the address space, or too many mappings"
	case unix.ENOENT:
		return "no such file: add O_CREAT to create it"
	case unix.EEXIST:
		return "it exists already and O_EXCL asked for a new one"
	case unix.ENODEV:
		return "this kind of file cannot be mapped"
	case unix.EBUSY:
		return "the range is in use: MS_INVALIDATE on locked pages"
	case unix.EPERM:
		return "the operation is not allowed here (a sealed memfd, or PROT_EXEC on a noexec mount)"
	}
	return ""
}
