package mapping

import "golang.org/x/sys/unix"

// Target is a process the operations act on: a Tracee (a spawned or attached
// process, through ptrace) or Self (mapscope's own process). Every method is
// safe to call from any goroutine.
//
// The call methods return the Call record in every case. Their error is
// non-nil only when the call could not be made or did not finish (the
// process is gone, refused, or the call timed out); a call that ran and
// failed is a result, with Call.Errno set and a nil error.
type Target interface {
	// Pid is the process ID.
	Pid() int

	// Mmap maps memory; Call.Addr is the mapping's address.
	Mmap(addr, length uint64, prot, flags, fd int, offset int64) (Call, error)
	// Munmap unmaps a range.
	Munmap(addr, length uint64) (Call, error)
	// Mprotect changes the protection of a range.
	Mprotect(addr, length uint64, prot int) (Call, error)
	// Msync flushes a range of a shared file mapping.
	Msync(addr, length uint64, flags int) (Call, error)
	// Madvise gives advice about a range.
	Madvise(addr, length uint64, advice int) (Call, error)
	// Open opens a file as glibc's open does.
	Open(path string, flags int, mode uint32) (Call, error)
	// Openat opens a file relative to a directory descriptor.
	Openat(dirfd int, path string, flags int, mode uint32) (Call, error)
	// ShmOpen opens a POSIX shared memory object as glibc's shm_open does.
	ShmOpen(name string, oflag int, mode uint32) (Call, error)
	// Ftruncate sets the size of an open file.
	Ftruncate(fd int, length int64) (Call, error)
	// CloseFD closes a file descriptor.
	CloseFD(fd int) (Call, error)
	// Unlink removes a file name.
	Unlink(path string) (Call, error)
	// ShmUnlink removes a POSIX shared memory object's name.
	ShmUnlink(name string) (Call, error)
	// Getpid returns the process's own idea of its PID.
	Getpid() (Call, error)
	// Getppid returns the PID of the process's parent.
	Getppid() (Call, error)
	// Kill sends a signal from inside the process.
	Kill(pid int, sig unix.Signal) (Call, error)
	// Exit ends the process (exit_group); Self refuses.
	Exit(code int) (Call, error)

	// ReadMemory reads as the process would; a *Fault reports the signal
	// the process would have got.
	ReadMemory(addr uint64, n int) ([]byte, error)
	// WriteMemory writes as the process would; a *Fault reports the
	// signal the process would have got.
	WriteMemory(addr uint64, data []byte) (int, error)

	// Fork makes the process fork; the child is returned as a Tracee.
	// Self refuses with ErrForkSelf.
	Fork() (*Tracee, Call, error)

	// Close releases the target: a spawned subject is killed, an attached
	// process detached; Self does nothing.
	Close() error
}

var (
	_ Target = (*Tracee)(nil)
	_ Target = (*Self)(nil)
)
