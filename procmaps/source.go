package procmaps

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Errors that callers branch on. Errors from the file system are wrapped,
// so errors.Is(err, fs.ErrPermission) also works.
var (
	// ErrNoProcess means no process has the PID (or it has been reaped).
	ErrNoProcess = errors.New("no such process")
	// ErrNoMappings means the process has no address space: a kernel
	// thread, or a zombie that has exited but not been reaped.
	ErrNoMappings = errors.New("process has no mappings")
)

// maxRaceRetries bounds the re-reads of a maps text that raced a change.
const maxRaceRetries = 8

// Snapshot is the address space of a process at one moment.
type Snapshot struct {
	PID      int
	Taken    time.Time
	Mappings []Mapping // ascending, non-overlapping
	// Seq counts the distinct maps texts this Source has seen; two
	// snapshots with the same Seq have the same mappings.
	Seq uint64

	// The lines re-parsed for this snapshot: Mappings[lo:hi] replaced
	// the previous snapshot's [lo:len(prev)-(len(Mappings)-hi)]; outside
	// that window both are the same mappings. Valid when hint is set.
	lo, hi int
	hint   bool
}

// VirtualSize returns the sum of the sizes of all mappings.
func (s *Snapshot) VirtualSize() uint64 {
	var n uint64
	for _, m := range s.Mappings {
		n += m.Size()
	}
	return n
}

// Find returns the index of the mapping that contains addr, or -1.
func (s *Snapshot) Find(addr uint64) int {
	lo, hi := 0, len(s.Mappings)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s.Mappings[mid].End <= addr {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(s.Mappings) && s.Mappings[lo].Contains(addr) {
		return lo
	}
	return -1
}

// Source reads successive snapshots of one process. It keeps the previous
// maps text, so an unchanged process costs one read and one comparison:
// no parse, no allocation; and a changed one parses only the lines that
// differ from the previous text. A Source is not safe for concurrent use.
type Source struct {
	root   string
	pid    int
	path   string
	parser Parser
	buf    []byte // the text being read
	prev   []byte // the text of the last snapshot
	last   *Snapshot
	now    func() time.Time
	// open opens the maps file. It is os.Open except in the tests that
	// feed texts which raced a change.
	open func(name string) (io.ReadCloser, error)
}

// NewSource returns a Source for the process pid under the proc file
// system mounted at root (normally "/proc").
func NewSource(root string, pid int) *Source {
	return &Source{
		root: root,
		pid:  pid,
		path: filepath.Join(root, strconv.Itoa(pid), "maps"),
		now:  time.Now,
		open: openFile,
	}
}

func openFile(name string) (io.ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// PID returns the process the Source reads.
func (s *Source) PID() int { return s.pid }

// Root returns the proc mount point the Source reads from.
func (s *Source) Root() string { return s.root }

// Read returns the current snapshot. changed is false when the maps text
// is byte-for-byte the one of the previous call; the previous snapshot is
// returned then. A text whose lines overlap (a read that raced an mmap) is
// read again.
func (s *Source) Read() (snap *Snapshot, changed bool, err error) {
	for attempt := 0; ; attempt++ {
		if err := s.readText(); err != nil {
			return s.last, false, err
		}
		if s.last != nil && bytes.Equal(s.buf, s.prev) {
			return s.last, false, nil
		}
		if len(s.buf) == 0 {
			return s.last, false, fmt.Errorf("pid %d: %w", s.pid, ErrNoMappings)
		}
		// Only the lines parsed now can overlap: the ones copied from the
		// last snapshot were checked when it was read.
		var prev []Mapping
		if s.last != nil {
			prev = s.last.Mappings
		}
		ms, lo, hi, err := s.parser.parseChanged(s.buf, s.prev, prev)
		if err != nil {
			return s.last, false, fmt.Errorf("%s: %w", s.path, err)
		}
		if err := checkOrder(ms[max(lo-1, 0):min(hi+1, len(ms))]); err != nil {
			if attempt < maxRaceRetries {
				continue
			}
			return s.last, false, fmt.Errorf("%s: %w", s.path, err)
		}
		var seq uint64 = 1
		if s.last != nil {
			seq = s.last.Seq + 1
		}
		s.last = &Snapshot{PID: s.pid, Taken: s.now(), Mappings: ms, Seq: seq, lo: lo, hi: hi, hint: s.last != nil}
		s.buf, s.prev = s.prev[:0], s.buf
		return s.last, true, nil
	}
}

// readText reads the whole maps file into s.buf, reusing its memory.
func (s *Source) readText() error {
	f, err := s.open(s.path)
	if err != nil {
		return describe(s.pid, err)
	}
	defer f.Close()
	b := s.buf[:0]
	if cap(b) == 0 {
		b = make([]byte, 0, 64<<10)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			s.buf = b[:0]
			return describe(s.pid, err)
		}
	}
	s.buf = b
	return nil
}

// describe turns the errors of opening and reading /proc/<pid>/… into ones
// that say what happened to the process.
func describe(pid int, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ESRCH):
		return fmt.Errorf("pid %d: %w", pid, ErrNoProcess)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("pid %d: %w", pid, err)
	}
	return err
}
