package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// ErrTimeout is matched (errors.Is) when an injected call blocked longer than
// the call timeout and was interrupted.
var ErrTimeout = errors.New("call timed out")

// maxRestarts bounds how often an injected call interrupted by a signal is
// run again.
const maxRestarts = 5

// syscall runs one system call in the stopped process (engine.md fact 5) and
// returns the raw result register. Buffers in req are placed below the red
// zone first. It never writes into the process's code: the syscall
// instruction it runs is one that is already there (fact 4).
func (s *session) syscall(req request) (uint64, error) {
	t := s.t
	args := req.args
	for _, b := range req.bufs {
		addr, err := s.place(b.data)
		if err != nil {
			return 0, err
		}
		args[b.arg] = addr
	}
	insn, err := s.findInsn()
	if err != nil {
		return 0, err
	}
	injected := s.saved
	injected.prepare(insn, req.nr, args)
	for attempt := 0; ; attempt++ {
		if err := setRegs(t.pid, &injected); err != nil {
			return 0, t.lost(s.op, "setting registers", err)
		}
		if err := s.resumeToSyscallStop(time.Now().Add(stopTimeout)); err != nil {
			return 0, err
		}
		timedOut, err := s.runToExit()
		if err != nil {
			return 0, err
		}
		s.injected++
		r, err := getRegs(t.pid)
		if err != nil {
			return 0, t.lost(s.op, "getting registers", err)
		}
		raw := r.result()
		if timedOut {
			return negErrno(unix.EINTR), fmt.Errorf("%s: the call blocked in process %d for %v and was interrupted: %w",
				s.op, t.pid, t.callTimeout, ErrTimeout)
		}
		switch -int64(raw) {
		case 512, 513, 514, 516: // interrupted by a signal, which is now held
			if attempt < maxRestarts {
				continue
			}
			return negErrno(unix.EINTR), nil
		}
		return raw, nil
	}
}

// resumeToSyscallStop resumes with PTRACE_SYSCALL and waits for the next
// syscall stop, holding back signals that come first.
func (s *session) resumeToSyscallStop(deadline time.Time) error {
	t := s.t
	for {
		if err := unix.PtraceSyscall(t.pid, 0); err != nil {
			return t.lost(s.op, "PTRACE_SYSCALL", err)
		}
		s.where = running
		ws, err := t.th.wait(t.pid, deadline)
		if err != nil {
			return t.noStop(s.op, err)
		}
		if ws.Exited() || ws.Signaled() {
			t.setExit(ws)
			return t.exitError(s.op)
		}
		sig, event := decodeStop(ws)
		switch {
		case event == 0 && sig == syscallTrap:
			s.where = atSyscall
			return nil
		case event == 0:
			s.where = inGetSignal
			if err := s.hold(sig); err != nil {
				return t.lost(s.op, "PTRACE_GETSIGINFO", err)
			}
		case event == unix.PTRACE_EVENT_STOP:
			s.where = inGetSignal
			if !isStopSignal(sig) {
				s.groupStop = false
			}
		}
	}
}

// runToExit runs the call from its entry stop to its exit stop. A call that
// blocks past the call timeout is interrupted (it returns through its exit
// stop with a restart code); timedOut reports that.
func (s *session) runToExit() (timedOut bool, err error) {
	t := s.t
	err = s.resumeToSyscallStop(time.Now().Add(t.callTimeout))
	if !errors.Is(err, errWaitTimeout) {
		return false, err
	}
	if err := unix.PtraceInterrupt(t.pid); err != nil {
		return true, t.lost(s.op, "PTRACE_INTERRUPT", err)
	}
	deadline := time.Now().Add(stopTimeout)
	for {
		ws, err := t.th.wait(t.pid, deadline)
		if err != nil {
			return true, t.noStop(s.op, err)
		}
		if ws.Exited() || ws.Signaled() {
			t.setExit(ws)
			return true, t.exitError(s.op)
		}
		if sig, event := decodeStop(ws); event == 0 && sig == syscallTrap {
			s.where = atSyscall
			return true, nil
		}
		if err := unix.PtraceSyscall(t.pid, 0); err != nil {
			return true, t.lost(s.op, "PTRACE_SYSCALL", err)
		}
	}
}

// findInsn returns the address of a syscall instruction to run: the one the
// process is blocked in, else one found before, else one in the vDSO (or,
// failing that, in another executable mapping). The bytes are read, never
// written, and checked every time: the process may have exec'd.
func (s *session) findInsn() (uint64, error) {
	t := s.t
	if addr, ok := s.saved.blockedInsn(); ok && s.insnAt(addr) {
		return addr, nil
	}
	if t.insnAddr != 0 && s.insnAt(t.insnAddr) {
		return t.insnAddr, nil
	}
	regions, err := readRegions(t.pid)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", s.op, err)
	}
	var candidates []region
	for _, r := range regions {
		if r.path == "[vdso]" {
			candidates = append([]region{r}, candidates...)
		} else if r.executable() && r.readable() && r.path != "[vsyscall]" {
			candidates = append(candidates, r)
		}
	}
	for _, r := range candidates {
		if addr, ok := s.scanInsn(r); ok {
			t.insnAddr = addr
			return addr, nil
		}
	}
	return 0, fmt.Errorf("%s: no syscall instruction found in process %d", s.op, t.pid)
}

// insnAt reports whether a syscall instruction is at addr.
func (s *session) insnAt(addr uint64) bool {
	if addr%insnAlign != 0 {
		return false
	}
	b, err := readAt(s.t.pid, addr, len(syscallInsn))
	return err == nil && bytes.Equal(b, syscallInsn)
}

// scanInsn looks for an aligned syscall instruction in the first 64 KiB of r.
func (s *session) scanInsn(r region) (uint64, bool) {
	b, err := readAt(s.t.pid, r.start, int(min(r.end-r.start, 64<<10)))
	if err != nil {
		return 0, false
	}
	for off := 0; ; off++ {
		i := bytes.Index(b[off:], syscallInsn)
		if i < 0 {
			return 0, false
		}
		off += i
		if (r.start+uint64(off))%insnAlign == 0 {
			return r.start + uint64(off), true
		}
	}
}

// place writes data below the red zone of the stopped process's stack
// (engine.md fact 8) and returns its address. The bytes it replaces are put
// back when the operation ends.
func (s *session) place(data []byte) (uint64, error) {
	if s.scratchSP == 0 {
		s.scratchSP = s.saved.sp() - redZone
	}
	addr := (s.scratchSP - uint64(len(data))) &^ 15
	old, err := readAt(s.t.pid, addr, len(data))
	if err != nil {
		return 0, fmt.Errorf("%s: reading the stack of process %d at 0x%x: %w", s.op, s.t.pid, addr, err)
	}
	if _, err := writeAt(s.t.pid, addr, data); err != nil {
		return 0, fmt.Errorf("%s: writing an argument below the stack of process %d: %w", s.op, s.t.pid, err)
	}
	s.scratch = append(s.scratch, savedBytes{addr: addr, data: old})
	s.scratchSP = addr
	return addr, nil
}
