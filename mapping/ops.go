package mapping

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// request is one system call to make in a target, with its buffers.
type request struct {
	name string // the operation, for messages
	nr   int
	args [6]uint64
	bufs []buffer
}

// buffer is data (a NUL-terminated path) that must be in the target's memory;
// its address becomes argument arg.
type buffer struct {
	arg  int
	data []byte
}

// runner makes system calls and memory accesses in one process: a Tracee
// (remote, through ptrace) or Self (directly).
type runner interface {
	Pid() int
	// run makes the call and returns the raw result (-errno on failure);
	// done reports that the call reached the kernel and returned. A non-nil
	// error means the call could not be made or finished badly.
	run(req request) (raw uint64, done bool, err error)
	// checkAccess refuses a memory access the runner must not make.
	checkAccess(addr uint64, n int, write bool) error
}

// ops implements the operations of Target once, for both runners.
type ops struct{ r runner }

// call makes req and records it in c.
func (o ops) call(c Call, req request) (Call, error) {
	c.Pid = o.r.Pid()
	if req.nr < 0 {
		return c, fmt.Errorf("%s: not available on this architecture", c.Name)
	}
	start := time.Now()
	raw, done, err := o.r.run(req)
	c.Took = time.Since(start)
	if done {
		c.setResult(raw)
	}
	return c, err
}

func cstr(s string) []byte { return append([]byte(s), 0) }

// sarg passes a signed int argument (-1, AT_FDCWD) in a register.
func sarg(v int) uint64 { return uint64(int64(v)) }

// negErrno is the raw result of a call failing with e.
func negErrno(e unix.Errno) uint64 { return uint64(-int64(e)) }

// Mmap maps memory: mmap(addr, length, prot, flags, fd, offset). The Call's
// Addr is the new mapping's address.
func (o ops) Mmap(addr, length uint64, prot, flags, fd int, offset int64) (Call, error) {
	c := Call{Name: "mmap", pointer: true, Text: MmapOp{addr, length, prot, flags, fd, offset}.Text()}
	return o.call(c, request{name: c.Name, nr: sysno.mmap,
		args: [6]uint64{addr, length, uint64(prot), uint64(flags), sarg(fd), uint64(offset)}})
}

// Munmap unmaps [addr, addr+length).
func (o ops) Munmap(addr, length uint64) (Call, error) {
	c := Call{Name: "munmap", Text: MunmapOp{addr, length}.Text()}
	return o.call(c, request{name: c.Name, nr: sysno.munmap, args: [6]uint64{addr, length}})
}

// Mprotect changes the protection of [addr, addr+length).
func (o ops) Mprotect(addr, length uint64, prot int) (Call, error) {
	c := Call{Name: "mprotect", Text: MprotectOp{addr, length, prot}.Text()}
	return o.call(c, request{name: c.Name, nr: sysno.mprotect, args: [6]uint64{addr, length, uint64(prot)}})
}

// Msync flushes [addr, addr+length) of a shared file mapping (MS_SYNC,
// MS_ASYNC, MS_INVALIDATE).
func (o ops) Msync(addr, length uint64, flags int) (Call, error) {
	c := Call{Name: "msync", Text: MsyncOp{addr, length, flags}.Text()}
	return o.call(c, request{name: c.Name, nr: sysno.msync, args: [6]uint64{addr, length, uint64(flags)}})
}

// Madvise gives advice about [addr, addr+length) (MADV_DONTNEED, …).
func (o ops) Madvise(addr, length uint64, advice int) (Call, error) {
	c := Call{Name: "madvise", Text: MadviseOp{addr, length, advice}.Text()}
	return o.call(c, request{name: c.Name, nr: sysno.madvise, args: [6]uint64{addr, length, uint64(advice)}})
}

// Openat opens path relative to dirfd (unix.AT_FDCWD for the working
// directory of the process). The mode appears in the C text only with
// O_CREAT or O_TMPFILE, as C code passes it.
func (o ops) Openat(dirfd int, path string, flags int, mode uint32) (Call, error) {
	c := Call{Name: "openat", Text: openatText(dirfd, path, flags, mode)}
	return o.openat(c, dirfd, path, flags, mode)
}

// Open opens path as glibc's open does: openat(AT_FDCWD, path, flags, mode).
func (o ops) Open(path string, flags int, mode uint32) (Call, error) {
	c := Call{Name: "open", Text: OpenOp{path, flags, mode}.Text()}
	return o.openat(c, unix.AT_FDCWD, path, flags, mode)
}

func openArgs(path string, flags int, mode uint32) string {
	s := CString(path) + ", " + OpenFlagsString(flags)
	if flags&unix.O_CREAT != 0 || flags&unix.O_TMPFILE == unix.O_TMPFILE {
		s += ", " + modeString(mode)
	}
	return s
}

func (o ops) openat(c Call, dirfd int, path string, flags int, mode uint32) (Call, error) {
	abs := ""
	if flags&unix.O_CREAT != 0 {
		if abs = resolveIn(o.r.Pid(), dirfd, path); exists(abs) {
			abs = "" // it was there before: the call cannot create it
		}
	}
	c, err := o.call(c, request{name: c.Name, nr: sysno.openat,
		args: [6]uint64{sarg(dirfd), 0, uint64(flags), uint64(mode)},
		bufs: []buffer{{arg: 1, data: cstr(path)}}})
	if abs != "" && c.Done && !c.Failed() && exists(abs) {
		c.Created = abs
	}
	return c, err
}

// resolveIn makes path absolute as process pid resolves it, relative to
// dirfd (AT_FDCWD: its working directory); "" when that cannot be known.
func resolveIn(pid, dirfd int, path string) string {
	if strings.HasPrefix(path, "/") {
		return path
	}
	link := fmt.Sprintf("/proc/%d/fd/%d", pid, dirfd)
	if dirfd == unix.AT_FDCWD {
		link = fmt.Sprintf("/proc/%d/cwd", pid)
	}
	dir, err := os.Readlink(link)
	if err != nil {
		return ""
	}
	return filepath.Join(dir, path)
}

// exists reports whether a name exists (a dangling symlink counts).
func exists(path string) bool {
	if path == "" {
		return false
	}
	_, err := os.Lstat(path)
	return err == nil
}

// shmDir is where glibc keeps POSIX shared memory objects.
const shmDir = "/dev/shm"

// ShmNameError is why glibc's shm_open and shm_unlink refuse a name,
// without a system call: Errno is EINVAL or ENAMETOOLONG.
type ShmNameError struct {
	Name  string
	Errno unix.Errno
	Msg   string
}

// Error is the message for the name's field or the call log.
func (e *ShmNameError) Error() string { return e.Msg }

// ShmPath checks a POSIX shm name the way glibc does — one leading '/', no
// other, not "." or "..", at most NAME_MAX (255) bytes — and returns its
// path in /dev/shm.
func ShmPath(name string) (string, error) {
	rest := strings.TrimPrefix(name, "/")
	switch {
	case !strings.HasPrefix(name, "/") || rest == "" || strings.Contains(rest, "/"):
		return "", &ShmNameError{name, unix.EINVAL, "a shm name is one '/' and a name without '/', e.g. /my_data (EINVAL)"}
	case rest == "." || rest == "..":
		return "", &ShmNameError{name, unix.EINVAL, name + " is not a name: it is a directory (EINVAL)"}
	case len(rest) > 255:
		return "", &ShmNameError{name, unix.ENAMETOOLONG, "a shm name has at most 255 characters after the '/' (ENAMETOOLONG)"}
	}
	return shmDir + name, nil
}

// ShmOpen opens a POSIX shared memory object exactly as glibc's shm_open
// does (engine.md fact 10): openat(AT_FDCWD, "/dev/shm" + name,
// oflag | O_NOFOLLOW | O_CLOEXEC, mode). A bad name fails like glibc, with
// EINVAL or ENAMETOOLONG, without reaching the process.
func (o ops) ShmOpen(name string, oflag int, mode uint32) (Call, error) {
	c := Call{Name: "shm_open", Text: ShmOpenOp{name, oflag, mode}.Text()}
	path, err := ShmPath(name)
	if err != nil {
		c.Pid = o.r.Pid()
		c.setResult(negErrno(err.(*ShmNameError).Errno))
		return c, nil
	}
	return o.openat(c, unix.AT_FDCWD, path, oflag|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
}

// Ftruncate sets the size of the file open as fd.
func (o ops) Ftruncate(fd int, length int64) (Call, error) {
	c := Call{Name: "ftruncate", Text: FtruncateOp{fd, length}.Text()}
	return o.call(c, request{name: c.Name, nr: sysno.ftruncate, args: [6]uint64{sarg(fd), uint64(length)}})
}

// CloseFD closes file descriptor fd: close(fd) in C. (Close, without a
// descriptor, releases the Target itself.)
func (o ops) CloseFD(fd int) (Call, error) {
	c := Call{Name: "close", Text: CloseOp{fd}.Text()}
	return o.call(c, request{name: c.Name, nr: sysno.close, args: [6]uint64{sarg(fd)}})
}

// Unlink removes a name from the filesystem, as glibc's unlink does (on
// arm64, which has no unlink call, with unlinkat(AT_FDCWD, path, 0)).
func (o ops) Unlink(path string) (Call, error) {
	c := Call{Name: "unlink", Text: UnlinkOp{path}.Text()}
	return o.unlink(c, path)
}

func (o ops) unlink(c Call, path string) (Call, error) {
	req := request{name: c.Name, nr: sysno.unlink, bufs: []buffer{{arg: 0, data: cstr(path)}}}
	if sysno.unlink < 0 {
		req = request{name: c.Name, nr: sysno.unlinkat, args: [6]uint64{sarg(unix.AT_FDCWD)},
			bufs: []buffer{{arg: 1, data: cstr(path)}}}
	}
	abs := resolveIn(o.r.Pid(), unix.AT_FDCWD, path)
	c, err := o.call(c, req)
	if c.Done && !c.Failed() {
		c.Removed = abs
	}
	return c, err
}

// ShmUnlink removes a POSIX shared memory object's name as glibc's
// shm_unlink does: unlink("/dev/shm" + name). Mappings of it stay, shown in
// the maps as "/dev/shm/NAME (deleted)".
func (o ops) ShmUnlink(name string) (Call, error) {
	c := Call{Name: "shm_unlink", Text: ShmUnlinkOp{name}.Text()}
	path, err := ShmPath(name)
	if err != nil {
		c.Pid = o.r.Pid()
		c.setResult(negErrno(err.(*ShmNameError).Errno))
		return c, nil
	}
	return o.unlink(c, path)
}

// Getpid asks the process for its PID: getpid().
func (o ops) Getpid() (Call, error) {
	c := Call{Name: "getpid", Text: "getpid()"}
	return o.call(c, request{name: c.Name, nr: sysno.getpid})
}

// Getppid asks the process for its parent's PID: getppid().
func (o ops) Getppid() (Call, error) {
	c := Call{Name: "getppid", Text: "getppid()"}
	return o.call(c, request{name: c.Name, nr: sysno.getppid})
}

// Kill sends sig to process pid from inside the process: kill(pid, sig).
func (o ops) Kill(pid int, sig unix.Signal) (Call, error) {
	c := Call{Name: "kill", Text: fmt.Sprintf("kill(%d, %s)", pid, signalName(sig))}
	return o.call(c, request{name: c.Name, nr: sysno.kill, args: [6]uint64{sarg(pid), uint64(sig)}})
}

// Exit ends the process as exit(code) does — with exit_group, the system
// call glibc's exit makes after running its handlers (which an injected
// call cannot run: stdio buffers the process has not flushed are lost). A
// process that exits does not return: the Call is not Done and the error
// reports the exit, which is the result.
func (o ops) Exit(code int) (Call, error) {
	c := Call{Name: "exit", Text: fmt.Sprintf("exit(%d)", code)}
	return o.call(c, request{name: c.Name, nr: sysno.exitGroup, args: [6]uint64{sarg(code)}})
}

// signalName is a signal as C names it: "SIGTERM", or its number.
func signalName(sig unix.Signal) string {
	if n := unix.SignalName(sig); n != "" {
		return n
	}
	return fmt.Sprint(int(sig))
}

// ReadMemory reads n bytes at addr as the process itself would: an address
// the process could not read gives a *Fault (SIGSEGV with SEGV_MAPERR or
// SEGV_ACCERR), with the bytes read before it. Reading an untouched
// anonymous page makes it present (engine.md fact 21), as it would for the
// process.
func (o ops) ReadMemory(addr uint64, n int) ([]byte, error) {
	if err := o.r.checkAccess(addr, n, false); err != nil {
		return nil, err
	}
	return readMemory(o.r.Pid(), addr, n)
}

// WriteMemory writes data at addr as the process itself would: where the
// process could not store, it fails with the *Fault the process would have
// got, having written (like memcpy) the bytes before that address.
func (o ops) WriteMemory(addr uint64, data []byte) (int, error) {
	if err := o.r.checkAccess(addr, len(data), true); err != nil {
		return 0, err
	}
	return writeMemory(o.r.Pid(), addr, data)
}
