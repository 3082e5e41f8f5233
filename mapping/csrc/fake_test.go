package csrc

import (
	"fmt"

	"golang.org/x/sys/unix"

	"mapscope/mapping"
)

// fakeProc is an in-memory process for fuzzing the interpreter: mmap hands
// out zeroed pages, memory outside them faults, fork copies everything
// (MAP_SHARED pages stay shared), exit ends it. No real process is touched.
type fakeProc struct {
	pid    int
	w      *fakeWorld
	pages  map[uint64]*fakePage // by page address
	ended  bool
	status mapping.ExitStatus
}

type fakePage struct {
	data   [4096]byte
	shared bool
	prot   int
}

type fakeWorld struct {
	nextPid  int
	nextAddr uint64
}

func newFake() *fakeProc {
	w := &fakeWorld{nextPid: 1000, nextAddr: 0x7f0000000000}
	return &fakeProc{pid: 999, w: w, pages: map[uint64]*fakePage{}}
}

func (f *fakeProc) call(name, text string, raw int64) (mapping.Call, error) {
	c := mapping.Call{Pid: f.pid, Name: name, Text: text, Done: true, Raw: uint64(raw)}
	if raw < 0 && raw >= -4095 {
		c.Errno = unix.Errno(-raw)
	}
	return c, nil
}

func (f *fakeProc) Pid() int { return f.pid }

func (f *fakeProc) Mmap(addr, length uint64, prot, flags, fd int, offset int64) (mapping.Call, error) {
	text := fmt.Sprintf("mmap(0x%x, %d, %d, %d, %d, %d)", addr, length, prot, flags, fd, offset)
	if length == 0 || length > 1<<24 || flags&unix.MAP_ANONYMOUS == 0 {
		return f.call("mmap", text, -int64(unix.EINVAL))
	}
	start := f.w.nextAddr
	n := (length + 4095) / 4096
	f.w.nextAddr += (n + 1) * 4096
	for i := range n {
		f.pages[start+i*4096] = &fakePage{shared: flags&unix.MAP_SHARED != 0, prot: prot}
	}
	return f.call("mmap", text, int64(start))
}

func (f *fakeProc) Munmap(addr, length uint64) (mapping.Call, error) {
	if addr%4096 != 0 {
		return f.call("munmap", "munmap()", -int64(unix.EINVAL))
	}
	for a := addr; a < addr+length && a >= addr; a += 4096 {
		delete(f.pages, a)
	}
	return f.call("munmap", "munmap()", 0)
}

func (f *fakeProc) Mprotect(addr, length uint64, prot int) (mapping.Call, error) {
	for a := addr &^ 4095; a < addr+length && a >= addr&^4095; a += 4096 {
		if p, ok := f.pages[a]; ok {
			p.prot = prot
		}
	}
	return f.call("mprotect", "mprotect()", 0)
}

func (f *fakeProc) Msync(addr, length uint64, flags int) (mapping.Call, error) {
	return f.call("msync", "msync()", 0)
}

func (f *fakeProc) Madvise(addr, length uint64, advice int) (mapping.Call, error) {
	return f.call("madvise", "madvise()", 0)
}

func (f *fakeProc) Open(path string, flags int, mode uint32) (mapping.Call, error) {
	return f.call("open", "open()", -int64(unix.ENOENT))
}

func (f *fakeProc) ShmOpen(name string, oflag int, mode uint32) (mapping.Call, error) {
	return f.call("shm_open", "shm_open()", 3)
}

func (f *fakeProc) Ftruncate(fd int, length int64) (mapping.Call, error) {
	return f.call("ftruncate", "ftruncate()", 0)
}

func (f *fakeProc) CloseFD(fd int) (mapping.Call, error) { return f.call("close", "close()", 0) }

func (f *fakeProc) Unlink(path string) (mapping.Call, error) { return f.call("unlink", "unlink()", 0) }

func (f *fakeProc) ShmUnlink(name string) (mapping.Call, error) {
	return f.call("shm_unlink", "shm_unlink()", 0)
}

func (f *fakeProc) Getpid() (mapping.Call, error) { return f.call("getpid", "getpid()", int64(f.pid)) }

func (f *fakeProc) Getppid() (mapping.Call, error) { return f.call("getppid", "getppid()", 1) }

func (f *fakeProc) Kill(pid int, sig unix.Signal) (mapping.Call, error) {
	return f.call("kill", "kill()", -int64(unix.ESRCH))
}

func (f *fakeProc) Exit(code int) (mapping.Call, error) {
	f.ended = true
	f.status = mapping.ExitStatus{Code: code & 0xff}
	return mapping.Call{Pid: f.pid, Name: "exit", Text: fmt.Sprintf("exit(%d)", code)}, &mapping.ExitError{Pid: f.pid, Op: "exit", Status: f.status}
}

func (f *fakeProc) access(addr uint64, n int, write bool, fn func(p *fakePage, off int, i int)) (int, error) {
	for i := 0; i < n; i++ {
		a := addr + uint64(i)
		p, ok := f.pages[a&^4095]
		if !ok || !write && p.prot&unix.PROT_READ == 0 || write && p.prot&unix.PROT_WRITE == 0 {
			code := mapping.SegvMapErr
			if ok {
				code = mapping.SegvAccErr
			}
			return i, &mapping.Fault{Addr: a, Write: write, Signal: unix.SIGSEGV, Code: code}
		}
		fn(p, int(a&4095), i)
	}
	return n, nil
}

func (f *fakeProc) ReadMemory(addr uint64, n int) ([]byte, error) {
	if n > 1<<26 {
		n = 1 << 26
	}
	buf := make([]byte, n)
	got, err := f.access(addr, n, false, func(p *fakePage, off, i int) { buf[i] = p.data[off] })
	return buf[:got], err
}

func (f *fakeProc) WriteMemory(addr uint64, data []byte) (int, error) {
	return f.access(addr, len(data), true, func(p *fakePage, off, i int) { p.data[off] = data[i] })
}

func (f *fakeProc) Fork() (Process, mapping.Call, error) {
	f.w.nextPid++
	child := &fakeProc{pid: f.w.nextPid, w: f.w, pages: map[uint64]*fakePage{}}
	for a, p := range f.pages {
		if p.shared {
			child.pages[a] = p
		} else {
			cp := *p
			child.pages[a] = &cp
		}
	}
	c, _ := f.call("fork", "fork()", int64(child.pid))
	return child, c, nil
}

func (f *fakeProc) Ended() (mapping.ExitStatus, bool) { return f.status, f.ended }
