package mapping

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

func (t *Tracee) setExit(ws unix.WaitStatus) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.exit != nil {
		return
	}
	t.exit = &ExitStatus{Code: ws.ExitStatus(), Signal: ws.Signal(), CoreDumped: ws.CoreDump()}
	if !ws.Signaled() {
		t.exit.Signal = 0
	}
	close(t.done)
}

func (t *Tracee) hasExited() bool {
	_, ok := t.Exited()
	return ok
}

// ExitStatus is how a process ended.
type ExitStatus struct {
	Code       int         // exit status, when it exited
	Signal     unix.Signal // the signal that killed it, or 0
	CoreDumped bool
}

// String is "exited with status N" or "killed by SIGNAME".
func (e ExitStatus) String() string {
	if e.Signal != 0 {
		s := "killed by " + unix.SignalName(e.Signal)
		if e.CoreDumped {
			s += " (core dumped)"
		}
		return s
	}
	return fmt.Sprintf("exited with status %d", e.Code)
}

// ErrExited is matched (errors.Is) by errors reporting that the process has
// ended.
var ErrExited = errors.New("process has exited")

// ExitError reports that the process ended before or during an operation.
type ExitError struct {
	Pid    int
	Op     string // the operation that found it gone
	Status ExitStatus
}

// Error names the operation and how the process ended.
func (e *ExitError) Error() string {
	return fmt.Sprintf("%s: process %d %s", e.Op, e.Pid, e.Status)
}

// Is makes errors.Is(err, ErrExited) true.
func (e *ExitError) Is(target error) bool { return target == ErrExited }

func (t *Tracee) exitError(op string) error {
	st, _ := t.Exited()
	return &ExitError{Pid: t.pid, Op: op, Status: st}
}
