package mapping

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Fork makes the process call fork() (engine.md facts 14–17). The child is
// a new Tracee on the same tracer thread, resumed exactly where the parent
// was: a sleeping parent gives a sleeping child, with the same mappings —
// MAP_SHARED ones shared, MAP_PRIVATE ones copy-on-write. The child dies
// with mapscope (PTRACE_O_EXITKILL, whatever the parent's mode) and is
// killed by its Close; when it ends, the parent is made to reap it so that
// no zombie is left. A multi-threaded parent gives a child with one thread,
// whose other threads' locks may stay held (fact 15).
func (t *Tracee) Fork() (*Tracee, Call, error) {
	c := Call{Pid: t.pid, Name: "fork", Text: "fork()"}
	var child *Tracee
	start := time.Now()
	err := t.th.do(func() error {
		return t.operate(c.Name, func(s *session) error {
			raw, err := s.forkSyscall()
			if s.injected > 0 {
				c.setResult(raw)
			}
			if err != nil || c.Failed() {
				return err
			}
			child, err = t.adopt(int(raw), s.saved)
			return err
		})
	})
	c.Took = time.Since(start)
	if errors.Is(err, errThreadGone) {
		err = fmt.Errorf("fork: the tracee of process %d is closed", t.pid)
	}
	return child, c, err
}

// forkSyscall runs clone(SIGCHLD, 0, 0, 0, 0) — fork on every architecture
// — with PTRACE_O_TRACEFORK set for this one call only, so that children the
// process makes on its own are not traced.
func (s *session) forkSyscall() (uint64, error) {
	t := s.t
	opts := optsAttached
	if t.spawned || t.parent != nil {
		opts = optsSpawned
	}
	if err := unix.PtraceSetOptions(t.pid, opts|unix.PTRACE_O_TRACEFORK); err != nil {
		return 0, t.lost(s.op, "PTRACE_SETOPTIONS", err)
	}
	raw, err := s.syscall(request{name: s.op, nr: sysno.clone, args: [6]uint64{uint64(unix.SIGCHLD)}})
	if e := unix.PtraceSetOptions(t.pid, opts); e != nil && err == nil {
		err = t.lost(s.op, "PTRACE_SETOPTIONS", e)
	}
	return raw, err
}

// adopt takes over the child pid, which starts traced (TRACEFORK) with an
// event stop inside get_signal. It gets the parent's registers as they were
// before the injection: from that stop the kernel's own restart logic then
// runs for the child exactly as it will for the parent (a pause goes on
// pausing, a nanosleep goes on through restart_syscall). Its signal mask is
// the parent's already: fork copies it.
func (t *Tracee) adopt(pid int, parentRegs regs) (*Tracee, error) {
	deadline := time.Now().Add(stopTimeout)
	for {
		ws, err := t.th.wait(pid, deadline)
		if err != nil {
			_ = unix.Kill(pid, unix.SIGKILL)
			return nil, fmt.Errorf("fork: the child %d did not stop: %w", pid, err)
		}
		if ws.Exited() || ws.Signaled() {
			return nil, fmt.Errorf("fork: the child %d ended before it ran", pid)
		}
		if _, event := decodeStop(ws); event == unix.PTRACE_EVENT_STOP {
			break
		}
		if err := unix.PtraceCont(pid, 0); err != nil {
			return nil, fmt.Errorf("fork: the child %d: %w", pid, err)
		}
	}
	child := newTracee(pid, t.th, t.spawned)
	child.parent = t
	t.children = append(t.children, child)
	err := errors.Join(
		unix.PtraceSetOptions(pid, optsSpawned),
		setRegs(pid, &parentRegs),
		unix.PtraceCont(pid, 0),
	)
	if err != nil {
		_ = child.release()
		return nil, fmt.Errorf("fork: setting up the child %d: %w", pid, err)
	}
	return child, nil
}

// reapInParent makes the parent of an ended fork child collect its exit
// status with wait4(pid, NULL, WNOHANG, NULL) (engine.md fact 17): nothing
// else would, for a parent such as sleep that never waits. It runs on the
// thread.
func (t *Tracee) reapInParent() {
	p := t.parent
	if p == nil || t.reaped || p.closed || p.hasExited() {
		return
	}
	if _, alive := p.th.tracees[p.pid]; !alive {
		return
	}
	t.reaped = true
	// The exit is handed to the real parent as the tracer collects it;
	// retry briefly in case it is not there yet.
	for i := 0; i < 20; i++ {
		var raw uint64
		err := p.operate("wait4", func(s *session) error {
			var err error
			raw, err = s.syscall(request{name: "wait4", nr: sysno.wait4,
				args: [6]uint64{uint64(t.pid), 0, unix.WNOHANG, 0}})
			return err
		})
		if err != nil || raw != 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// Fork is not offered in --self mode: it always fails with ErrForkSelf.
func (s *Self) Fork() (*Tracee, Call, error) {
	return nil, Call{Pid: s.pid, Name: "fork", Text: "fork()"}, ErrForkSelf
}
