package mapping

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// Call records one system call made in a process: the C text a programmer
// would write for it, and what it returned. It is plain data, the single
// source for the call log and the console.
type Call struct {
	// Pid is the process the call ran in.
	Pid int
	// Name is the C function: "mmap", "open", "shm_open".
	Name string
	// Text is the call as C source, without the result:
	// `mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)`.
	Text string
	// Done is true when the call reached the kernel and returned; Raw and
	// Errno are meaningful only then.
	Done bool
	// Raw is the value the kernel returned in the result register; failures
	// are -errno (-4095..-1) as a two's-complement uint64.
	Raw uint64
	// Errno is the error of a failed call, 0 on success.
	Errno unix.Errno
	// Took is how long the call took, stopping and restarting the process
	// included.
	Took time.Duration
	// Created is the file or /dev/shm object an open or shm_open with
	// O_CREAT created (its absolute path): it was not there before the
	// call. Such objects outlive every process.
	Created string
	// Removed is the name an unlink or shm_unlink removed (absolute path).
	Removed string

	pointer bool // the result is an address (mmap), shown in hex
}

// Failed reports whether the call ran and returned an error.
func (c Call) Failed() bool { return c.Done && c.Errno != 0 }

// Value is the C return value: -1 on failure, else the raw result as a signed
// integer (a file descriptor, 0, or an address).
func (c Call) Value() int64 {
	if c.Errno != 0 {
		return -1
	}
	return int64(c.Raw)
}

// Addr is the result as an address (meaningful for mmap).
func (c Call) Addr() uint64 { return c.Raw }

// ErrnoName is the symbolic name of Errno ("EACCES"), or "" on success.
func (c Call) ErrnoName() string {
	if c.Errno == 0 {
		return ""
	}
	if name := unix.ErrnoName(c.Errno); name != "" {
		return name
	}
	return "E" + strconv.Itoa(int(c.Errno))
}

// ErrnoText is strerror(Errno) as glibc words it ("Permission denied"), or ""
// on success.
func (c Call) ErrnoText() string {
	if c.Errno == 0 {
		return ""
	}
	return Strerror(c.Errno)
}

// Result formats the return value as strace and the call log show it:
// "= 0x7f3a1c000000", "= 3", "= 0", "= -1 EACCES (Permission denied)", or
// "= ?" when the call did not complete.
func (c Call) Result() string {
	switch {
	case !c.Done:
		return "= ?"
	case c.Errno != 0:
		return fmt.Sprintf("= -1 %s (%s)", c.ErrnoName(), c.ErrnoText())
	case c.pointer:
		return "= 0x" + strconv.FormatUint(c.Raw, 16)
	default:
		return "= " + strconv.FormatInt(int64(c.Raw), 10)
	}
}

// String is the call and its result on one line, as the call log shows it.
func (c Call) String() string { return c.Text + " " + c.Result() }

// setResult fills the result fields from the raw return register.
func (c *Call) setResult(raw uint64) {
	c.Done = true
	c.Raw = raw
	if r := int64(raw); r < 0 && r >= -4095 {
		c.Errno = unix.Errno(-r)
	}
}

// Strerror is the C library's strerror text for e ("Permission denied"):
// Go's text for the errno with its first letter in upper case, which is how
// glibc words every message, for the errnos Go knows.
func Strerror(e unix.Errno) string {
	s := e.Error()
	if strings.HasPrefix(s, "errno ") {
		if e == unix.EHWPOISON {
			return "Memory page has hardware error"
		}
		return "Unknown error " + strconv.Itoa(int(e))
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// cAddr formats a pointer argument: NULL for 0, else hex.
func cAddr(addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	return "0x" + strconv.FormatUint(addr, 16)
}

// CString quotes s as a C string literal. Printable text (UTF-8 included)
// stays as is; quotes, backslashes, control characters and bytes that are
// not valid UTF-8 are escaped, the last two in three-digit octal so that a
// following digit cannot extend the escape.
func CString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\a':
			b.WriteString(`\a`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\v':
			b.WriteString(`\v`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError && n == 1, !unicode.IsPrint(r):
			for _, c := range []byte(s[i : i+n]) {
				fmt.Fprintf(&b, `\%03o`, c)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}
