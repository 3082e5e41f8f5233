package mapping

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"mapscope/procmaps"
)

// ErrForkSelf is returned by Self.Fork.
var ErrForkSelf = errors.New("fork is not offered in --self mode: a Go program cannot fork without exec, " +
	"because only the forking thread would exist in the child while the runtime needs all of its threads")

// Self is mapscope's own process as a Target (--self): the operations run
// directly with x/sys/unix. To keep the explorer alive it refuses to touch
// memory and file descriptors it did not create itself: unmapping,
// reprotecting or writing the Go runtime's memory, or closing its
// descriptors, would crash or corrupt the program showing the result.
type Self struct {
	ops
	pid int

	mu    sync.Mutex
	owned []span       // mappings made through Self
	fds   map[int]bool // descriptors opened through Self
}

// span is a page-aligned address range [start, end).
type span struct{ start, end uint64 }

// NewSelf returns mapscope's own process as a Target.
func NewSelf() *Self {
	s := &Self{pid: os.Getpid(), fds: map[int]bool{}}
	s.ops = ops{r: s}
	return s
}

// Pid is mapscope's own PID.
func (s *Self) Pid() int { return s.pid }

// Close does nothing: the process is mapscope itself.
func (s *Self) Close() error { return nil }

// run makes the call directly (runner). Buffers are pinned Go memory.
func (s *Self) run(req request) (uint64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.allowed(req); err != nil {
		return 0, false, err
	}
	args := req.args
	var pinner runtime.Pinner
	defer pinner.Unpin()
	for _, b := range req.bufs {
		buf := append([]byte(nil), b.data...)
		pinner.Pin(&buf[0])
		args[b.arg] = uint64(uintptr(unsafe.Pointer(&buf[0])))
	}
	r1, _, errno := unix.Syscall6(uintptr(req.nr), uintptr(args[0]), uintptr(args[1]), uintptr(args[2]),
		uintptr(args[3]), uintptr(args[4]), uintptr(args[5]))
	raw := uint64(r1)
	if errno != 0 {
		raw = uint64(-int64(errno))
	} else {
		s.record(req, raw)
	}
	return raw, true, nil
}

// allowed refuses calls that would pull memory or descriptors from under the
// Go runtime.
func (s *Self) allowed(req request) error {
	a := req.args
	switch req.nr {
	case sysno.mmap:
		if a[3]&unix.MAP_FIXED != 0 && !s.owns(a[0], a[1]) {
			return s.refuse("MAP_FIXED at 0x%x would replace memory mapscope did not map", a[0])
		}
	case sysno.munmap, sysno.mprotect, sysno.madvise:
		if !s.owns(a[0], a[1]) {
			return s.refuse("0x%x is not in a mapping made through mapscope; changing the Go runtime's memory would crash the explorer", a[0])
		}
	case sysno.exitGroup:
		return s.refuse("exit would end mapscope itself; quit with q")
	case sysno.kill:
		if int(int64(a[0])) == s.pid || int(int64(a[0])) <= 0 {
			return s.refuse("kill(%d, …) would signal mapscope itself (or its whole group)", int(int64(a[0])))
		}
	case sysno.close, sysno.ftruncate:
		if !s.fds[int(a[0])] {
			return s.refuse("descriptor %d was not opened through mapscope; the explorer itself uses it", int(a[0]))
		}
	}
	return nil
}

func (s *Self) refuse(format string, args ...any) error {
	return &RefusedError{Pid: s.pid, Reason: fmt.Sprintf(format, args...)}
}

// record keeps track of what a successful call created or removed.
func (s *Self) record(req request, raw uint64) {
	a := req.args
	switch req.nr {
	case sysno.mmap:
		s.owned = append(s.owned, span{raw, raw + pageRound(a[1])})
	case sysno.munmap:
		s.owned = subtract(s.owned, span{a[0], a[0] + pageRound(a[1])})
	case sysno.openat:
		s.fds[int(raw)] = true
	case sysno.close:
		delete(s.fds, int(a[0]))
	}
}

// owns reports whether [addr, addr+length) lies in mappings made through
// Self.
func (s *Self) owns(addr, length uint64) bool {
	end := addr + pageRound(length)
	for covered := true; covered && addr < end; {
		covered = false
		for _, sp := range s.owned {
			if addr >= sp.start && addr < sp.end {
				addr, covered = sp.end, true
			}
		}
	}
	return addr >= end
}

// checkAccess allows reads anywhere (a fault is reported, not taken) but
// writes only into mappings made through Self (runner).
func (s *Self) checkAccess(addr uint64, n int, write bool) error {
	if !write {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	start := addr &^ (pageSize - 1)
	if !s.owns(start, addr+uint64(n)-start) {
		// Where nothing at all is mapped (NULL, say) the write can only
		// fault: let it, so it is reported as the SIGSEGV it is.
		if regions, err := readRegions(s.pid); err == nil {
			if _, mapped := regionAt(regions, addr); !mapped {
				return nil
			}
		}
		return s.refuse("0x%x is not in a mapping made through mapscope; writing the Go runtime's memory would corrupt the explorer", addr)
	}
	return nil
}

var pageSize = procmaps.PageSize

func pageRound(n uint64) uint64 { return (n + pageSize - 1) &^ (pageSize - 1) }

// subtract removes cut from the spans.
func subtract(spans []span, cut span) []span {
	var out []span
	for _, sp := range spans {
		if sp.end <= cut.start || sp.start >= cut.end {
			out = append(out, sp)
			continue
		}
		if sp.start < cut.start {
			out = append(out, span{sp.start, cut.start})
		}
		if sp.end > cut.end {
			out = append(out, span{cut.end, sp.end})
		}
	}
	return out
}
