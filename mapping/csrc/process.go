package csrc

import (
	"golang.org/x/sys/unix"

	"mapscope/mapping"
)

// Process is a process a program runs in: the calls of mapping.Target,
// a Fork that gives a Process, and a way to tell that it has ended. Adapt
// makes one of a mapping.Target; tests use fakes.
type Process interface {
	Pid() int
	Mmap(addr, length uint64, prot, flags, fd int, offset int64) (mapping.Call, error)
	Munmap(addr, length uint64) (mapping.Call, error)
	Mprotect(addr, length uint64, prot int) (mapping.Call, error)
	Msync(addr, length uint64, flags int) (mapping.Call, error)
	Madvise(addr, length uint64, advice int) (mapping.Call, error)
	Open(path string, flags int, mode uint32) (mapping.Call, error)
	ShmOpen(name string, oflag int, mode uint32) (mapping.Call, error)
	Ftruncate(fd int, length int64) (mapping.Call, error)
	CloseFD(fd int) (mapping.Call, error)
	Unlink(path string) (mapping.Call, error)
	ShmUnlink(name string) (mapping.Call, error)
	Getpid() (mapping.Call, error)
	Getppid() (mapping.Call, error)
	Kill(pid int, sig unix.Signal) (mapping.Call, error)
	Exit(code int) (mapping.Call, error)
	ReadMemory(addr uint64, n int) ([]byte, error)
	WriteMemory(addr uint64, data []byte) (int, error)
	Fork() (Process, mapping.Call, error)
	// Ended reports how the process ended, once it has.
	Ended() (mapping.ExitStatus, bool)
}

// target adapts a mapping.Target.
type target struct{ mapping.Target }

// Adapt makes a Process of a mapping.Target (a Tracee, or Self).
func Adapt(t mapping.Target) Process { return target{t} }

// Target returns the mapping.Target a Process made by Adapt wraps, or nil.
func Target(p Process) mapping.Target {
	if t, ok := p.(target); ok {
		return t.Target
	}
	return nil
}

func (t target) Fork() (Process, mapping.Call, error) {
	child, c, err := t.Target.Fork()
	if child == nil {
		return nil, c, err
	}
	return target{child}, c, err
}

func (t target) Ended() (mapping.ExitStatus, bool) {
	if tr, ok := t.Target.(*mapping.Tracee); ok {
		return tr.Exited()
	}
	return mapping.ExitStatus{}, false
}

// EventKind says what an Event reports.
type EventKind uint8

// The kinds of events.
const (
	EvCall   EventKind = iota // a system call made in the process (Call is set)
	EvOutput                  // a line the program printed (printf, puts, perror)
	EvMemory                  // a store into the process's memory, as C ("*(int*)0x7f… = 42")
	EvFork                    // the process forked: Child is the new process
	EvExit                    // the process ended
	EvFault                   // the process would have crashed here: its program stops
	EvError                   // the program cannot go on in this process (a runtime error)
	EvWait                    // a process waits for a child that has not ended
)

// Event is one thing a program did, in one process, for the call log, the
// console and `mapscope run`.
type Event struct {
	Kind  EventKind
	Pid   int
	Label string // "parent 811", "child 812", or "811" before any fork
	Text  string // the call with its result, the output line, the message
	Call  mapping.Call
	Child Process // EvFork
	Addr  uint64  // an address the statement produced or touched (mmap's result, a store)
	Pos   Pos     // the statement
}

// String is the event as `mapscope run` prints it: "[parent 811] text".
func (e Event) String() string { return "[" + e.Label + "] " + e.Text }
