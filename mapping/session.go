package mapping

import (
	"errors"
	"fmt"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// session is one operation on a stopped tracee: from PTRACE_INTERRUPT to the
// final resume. It remembers everything needed to put the process back as it
// was: its registers, the signals that arrived meanwhile, whether it was in a
// group-stop, and the stack bytes scratch data replaced.
type session struct {
	t     *Tracee
	op    string
	saved regs
	where stopKind
	// groupStop: the process was stopped by SIGSTOP & co and must stay so.
	groupStop bool
	pending   []heldSignal
	scratch   []savedBytes
	scratchSP uint64 // lowest scratch address used so far
	injected  int
}

// stopKind says where in the kernel the tracee is stopped, which decides how
// its registers are put back.
type stopKind int

const (
	// running: not stopped (or unknown): registers cannot be touched.
	running stopKind = iota
	// inGetSignal: an event stop or a signal-delivery stop. The kernel will
	// still run its restart logic after this stop, so the saved registers
	// go back exactly as they were.
	inGetSignal
	// atSyscall: a syscall-entry or -exit stop. The kernel's restart logic
	// has been passed, so the registers need the restart fix-up.
	atSyscall
)

// heldSignal is a signal that arrived during an operation, taken from the
// process to be given back at the end, with its original siginfo.
type heldSignal struct {
	sig  unix.Signal
	info [128]byte
}

// savedBytes are stack bytes that scratch data overwrote.
type savedBytes struct {
	addr uint64
	data []byte
}

// Timeouts of the stops an operation waits for.
const (
	stopTimeout   = 2 * time.Second
	resumeTimeout = 2 * time.Second
)

// operate runs f on the stopped process and puts the process back. It must
// run on the tracer thread. The process is refused first if it has acquired
// a seccomp filter since it was seized.
func (t *Tracee) operate(op string, f func(*session) error) error {
	if t.hasExited() {
		return t.exitError(op)
	}
	defer t.forgetIfExited()
	st, err := readProcStatus(t.pid)
	if err != nil {
		return err
	}
	if st.seccomp != 0 {
		return checkActable(t.pid, st)
	}
	s, err := t.stop(op)
	if err != nil {
		return err
	}
	if t.afterStop != nil {
		t.afterStop()
	}
	if s.saved.compat() {
		err = compatError(t.pid)
	} else {
		err = f(s)
	}
	return errors.Join(err, s.finish())
}

// forgetIfExited drops a process that ended during an operation (it called
// exit, or was killed) from the thread's watch, and has its parent reap it
// if it was a fork child, as poll does for one that ends between
// operations.
func (t *Tracee) forgetIfExited() {
	if !t.hasExited() {
		return
	}
	if _, ok := t.th.tracees[t.pid]; ok {
		delete(t.th.tracees, t.pid)
		t.reapInParent()
	}
}

// stop interrupts the process and waits for the event stop (engine.md fact
// 1). A signal that is on its way meanwhile is held back (fact 7).
func (t *Tracee) stop(op string) (*session, error) {
	s := &session{t: t, op: op}
	if err := unix.PtraceInterrupt(t.pid); err != nil {
		return nil, t.lost(op, "PTRACE_INTERRUPT", err)
	}
	deadline := time.Now().Add(stopTimeout)
	for {
		ws, err := t.th.wait(t.pid, deadline)
		if err != nil {
			return nil, t.noStop(op, err)
		}
		if ws.Exited() || ws.Signaled() {
			t.setExit(ws)
			return nil, t.exitError(op)
		}
		sig, event := decodeStop(ws)
		switch {
		case event == unix.PTRACE_EVENT_STOP:
			s.groupStop = isStopSignal(sig)
			if s.saved, err = getRegs(t.pid); err != nil {
				return nil, t.lost(op, "getting registers", err)
			}
			s.where = inGetSignal
			t.lastStop = s.saved
			return s, nil
		case event == 0 && sig != syscallTrap:
			if err := s.hold(sig); err != nil {
				return nil, t.lost(op, "PTRACE_GETSIGINFO", err)
			}
			err = unix.PtraceCont(t.pid, 0)
		default:
			err = unix.PtraceCont(t.pid, 0)
		}
		if err != nil {
			return nil, t.lost(op, "PTRACE_CONT", err)
		}
	}
}

// hold takes the signal of a signal-delivery stop away from the process,
// keeping its siginfo to give it back later.
func (s *session) hold(sig unix.Signal) error {
	h := heldSignal{sig: sig}
	if err := ptraceSiginfo(unix.PTRACE_GETSIGINFO, s.t.pid, &h.info); err != nil {
		return err
	}
	s.pending = append(s.pending, h)
	return nil
}

func ptraceSiginfo(req, pid int, info *[128]byte) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, uintptr(req), uintptr(pid), 0, uintptr(unsafe.Pointer(info)), 0, 0)
	if e != 0 {
		return os.NewSyscallError("ptrace(siginfo)", e)
	}
	return nil
}

// finish puts the process back and lets it go. Scratch bytes and registers
// are restored first, whatever else fails.
//
// Without held signals the process simply continues (or, in group-stop, goes
// back to it). Held signals are queued again with tgkill; the process then
// stops for the first of them inside get_signal, where its original
// registers go back untouched and the signal is delivered with its original
// siginfo, so the kernel's own restart logic sees exactly the state the
// signal found.
func (s *session) finish() error {
	t := s.t
	var errs []error
	for i := len(s.scratch) - 1; i >= 0; i-- {
		if _, err := writeAt(t.pid, s.scratch[i].addr, s.scratch[i].data); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.restoreRegs(); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if len(s.pending) == 0 && (!s.groupStop || s.where == inGetSignal) {
		var err error
		if s.groupStop {
			err = ptraceListen(t.pid)
		} else {
			err = unix.PtraceCont(t.pid, 0)
		}
		if err != nil {
			errs = append(errs, t.lost(s.op, "resuming", err))
		}
		return errors.Join(errs...)
	}
	return errors.Join(append(errs, s.deliver())...)
}

// restoreRegs writes back the saved registers, fixed up if the process is at
// a syscall stop.
func (s *session) restoreRegs() error {
	switch s.where {
	case inGetSignal:
		return setRegs(s.t.pid, &s.saved)
	case atSyscall:
		fixed := s.saved.restartFixup()
		return setRegs(s.t.pid, &fixed)
	}
	return fmt.Errorf("%s: process %d is not stopped; its registers could not be restored", s.op, s.t.pid)
}

// deliver gives held signals back and returns a group-stopped process to its
// stop, from a stop inside get_signal (see finish).
func (s *session) deliver() error {
	t := s.t
	for _, h := range s.pending {
		if err := unix.Tgkill(t.pid, t.pid, h.sig); err != nil {
			return t.lost(s.op, "tgkill", err)
		}
	}
	if s.groupStop {
		// A stop inside get_signal, from where PTRACE_LISTEN works again.
		if err := unix.PtraceInterrupt(t.pid); err != nil {
			return t.lost(s.op, "PTRACE_INTERRUPT", err)
		}
	}
	if err := unix.PtraceCont(t.pid, 0); err != nil {
		return t.lost(s.op, "PTRACE_CONT", err)
	}
	deadline := time.Now().Add(resumeTimeout)
	restored := false
	for len(s.pending) > 0 || s.groupStop {
		ws, err := t.th.wait(t.pid, deadline)
		if err != nil {
			return t.noStop(s.op, err)
		}
		if ws.Exited() || ws.Signaled() {
			t.setExit(ws)
			return nil
		}
		sig, event := decodeStop(ws)
		if !restored && (event == unix.PTRACE_EVENT_STOP || event == 0 && sig != syscallTrap) {
			if err := setRegs(t.pid, &s.saved); err != nil {
				return t.lost(s.op, "restoring registers", err)
			}
			restored = true
		}
		switch {
		case event == unix.PTRACE_EVENT_STOP && isStopSignal(sig):
			// Signals still queued stay pending while stopped, as they
			// would without mapscope.
			return ptraceListen(t.pid)
		case event == unix.PTRACE_EVENT_STOP:
			s.groupStop = false // SIGCONT came meanwhile
			err = unix.PtraceCont(t.pid, 0)
		case event == 0 && sig != syscallTrap:
			for i, h := range s.pending {
				if h.sig == sig {
					err = ptraceSiginfo(unix.PTRACE_SETSIGINFO, t.pid, &h.info)
					s.pending = append(s.pending[:i], s.pending[i+1:]...)
					break
				}
			}
			if err == nil {
				err = unix.PtraceCont(t.pid, int(sig))
			}
		default:
			err = unix.PtraceCont(t.pid, 0)
		}
		if err != nil {
			return t.lost(s.op, "delivering signals", err)
		}
	}
	return nil
}

// lost turns a failed ptrace request into an error. ESRCH usually means the
// process died: its exit status is collected and reported instead.
func (t *Tracee) lost(op, step string, err error) error {
	if errors.Is(err, unix.ESRCH) {
		deadline := time.Now().Add(time.Second)
		for {
			ws, werr := t.th.wait(t.pid, deadline)
			if werr != nil {
				break
			}
			if ws.Exited() || ws.Signaled() {
				t.setExit(ws)
				return t.exitError(op)
			}
		}
	}
	return fmt.Errorf("%s: %s on process %d: %w", op, step, t.pid, err)
}

// noStop explains a stop that did not come.
func (t *Tracee) noStop(op string, err error) error {
	if errors.Is(err, errWaitTimeout) {
		st, _ := readProcStatus(t.pid)
		return fmt.Errorf("%s: process %d did not stop in time (state %s): %w", op, t.pid, st.state, err)
	}
	return fmt.Errorf("%s: waiting for process %d: %w", op, t.pid, err)
}
