package mapping

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Tracee is a process mapscope acts on with ptrace: a lab subject it spawned
// (Spawn) or a running process it attached to (Attach). The process runs
// freely between operations; each operation stops it, runs system calls in
// it, puts it back exactly as it was and lets it go. All methods are safe to
// call from any goroutine.
type Tracee struct {
	ops
	pid     int
	spawned bool
	th      *thread

	done chan struct{}
	mu   sync.Mutex
	exit *ExitStatus

	// Used only on th's goroutine.
	insnAddr    uint64        // a syscall instruction found earlier
	callTimeout time.Duration // how long an injected call may block
	parent      *Tracee       // the process this one was forked from
	children    []*Tracee     // processes forked from this one
	closed      bool
	reaped      bool   // the parent has been made to wait for it
	lastStop    regs   // the registers at the last operation's stop (for tests)
	afterStop   func() // called once the process is stopped (for tests)
}

// SpawnOptions configure a lab subject. The zero value runs it in the
// current directory and environment with /dev/null as its standard files.
type SpawnOptions struct {
	Dir                   string   // working directory; "": mapscope's
	Env                   []string // environment; nil: mapscope's
	Stdin, Stdout, Stderr *os.File // standard files; nil: /dev/null
}

// Options of a seized tracee (PTRACE_SEIZE's data argument).
const (
	// optsAttached: syscall stops are told apart from SIGTRAP.
	optsAttached = unix.PTRACE_O_TRACESYSGOOD
	// optsSpawned: a lab subject also dies with mapscope (engine.md fact 16).
	optsSpawned = optsAttached | unix.PTRACE_O_EXITKILL
)

// Spawn starts argv as a lab subject and seizes it. The subject runs in its
// own process group (terminal signals meant for mapscope do not reach it) and
// is killed when mapscope dies (PTRACE_O_EXITKILL) or when the Tracee is
// closed.
func Spawn(argv []string, opts *SpawnOptions) (*Tracee, error) {
	if len(argv) == 0 {
		return nil, errors.New("spawn: empty command")
	}
	if opts == nil {
		opts = &SpawnOptions{}
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, fmt.Errorf("spawn: %w", err)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0) // writable: the subject's output is discarded, not refused
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	files := make([]uintptr, 3)
	for i, f := range []*os.File{opts.Stdin, opts.Stdout, opts.Stderr} {
		if f == nil {
			f = devnull
		}
		files[i] = f.Fd()
	}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	attr := &syscall.ProcAttr{Dir: opts.Dir, Env: env, Files: files, Sys: &syscall.SysProcAttr{
		Setpgid: true,
		// Until the seize below, only this covers mapscope dying.
		Pdeathsig: syscall.SIGKILL,
	}}

	th := newThread()
	var t *Tracee
	err = th.do(func() error {
		// Forked from the tracer thread: its Pdeathsig is tied to it.
		pid, err := syscall.ForkExec(path, argv, attr)
		if err != nil {
			return fmt.Errorf("spawn %s: %w", argv[0], err)
		}
		if err := ptraceSeize(pid, optsSpawned); err != nil {
			_ = unix.Kill(pid, unix.SIGKILL)
			_, _ = unix.Wait4(pid, nil, unix.WALL, nil)
			return fmt.Errorf("spawn %s: %w", argv[0], err)
		}
		t = newTracee(pid, th, true)
		return nil
	})
	if err != nil {
		th.stop()
		return nil, err
	}
	return t, nil
}

// Attach seizes a running process. It is refused, with a message saying why
// and what to do, when the process runs under seccomp, runs 32-bit code, is
// already traced, or ptrace is denied. Close detaches and leaves the process
// running as it was.
func Attach(pid int) (*Tracee, error) {
	st, err := readProcStatus(pid)
	if err != nil {
		return nil, err
	}
	if err := checkActable(pid, st); err != nil {
		return nil, err
	}
	th := newThread()
	var t *Tracee
	err = th.do(func() error {
		if err := ptraceSeize(pid, optsAttached); err != nil {
			if errors.Is(err, unix.EPERM) {
				self, _ := readProcStatus(os.Getpid())
				return deniedError(pid, st, self, readYamaScope(), err)
			}
			return fmt.Errorf("attach to process %d: %w", pid, err)
		}
		t = newTracee(pid, th, false)
		// One stop to see its registers: a 32-bit task is refused now.
		if err := t.operate("attach", func(*session) error { return nil }); err != nil {
			_ = t.detach()
			delete(th.tracees, pid)
			return err
		}
		return nil
	})
	if err != nil {
		th.stop()
		return nil, err
	}
	return t, nil
}

func newTracee(pid int, th *thread, spawned bool) *Tracee {
	t := &Tracee{pid: pid, spawned: spawned, th: th, done: make(chan struct{}), callTimeout: 5 * time.Second}
	t.ops = ops{r: t}
	th.tracees[pid] = t
	th.users++
	return t
}

// ptraceSeize seizes pid with options. The options must go with the seize:
// PTRACE_SETOPTIONS needs a stopped tracee and fails with ESRCH on a running
// one.
func ptraceSeize(pid, options int) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(pid), 0, uintptr(options), 0, 0)
	if e != 0 {
		return os.NewSyscallError("ptrace(PTRACE_SEIZE)", e)
	}
	return nil
}

// Pid is the process ID.
func (t *Tracee) Pid() int { return t.pid }

// Spawned reports whether mapscope started the process (lab mode).
func (t *Tracee) Spawned() bool { return t.spawned }

// Done is closed when the process has exited.
func (t *Tracee) Done() <-chan struct{} { return t.done }

// Exited returns how the process ended, once it has.
func (t *Tracee) Exited() (ExitStatus, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.exit == nil {
		return ExitStatus{}, false
	}
	return *t.exit, true
}

// SetCallTimeout sets how long an injected call may block (an open of a FIFO
// without a writer, say) before it is interrupted and reported as EINTR. The
// default is 5 s.
func (t *Tracee) SetCallTimeout(d time.Duration) {
	_ = t.th.do(func() error { t.callTimeout = d; return nil })
}

// Close ends mapscope's hold on the process: a spawned subject, or a child
// made by Fork, is killed and reaped; an attached process is detached and
// keeps running (or stays stopped, if it was stopped). Closing a process
// first closes the children forked from it. Close is idempotent.
func (t *Tracee) Close() error {
	err := t.th.do(t.release)
	if errors.Is(err, errThreadGone) {
		err = nil
	}
	return err
}

// release closes t on the thread, and the thread with its last user.
func (t *Tracee) release() error {
	if t.closed {
		return nil
	}
	var errs []error
	for _, c := range t.children {
		errs = append(errs, c.release()) // reaped by t, which is still open
	}
	t.closed = true
	if _, ok := t.th.tracees[t.pid]; ok {
		if t.spawned || t.parent != nil {
			errs = append(errs, t.kill())
		} else {
			errs = append(errs, t.detach())
		}
		delete(t.th.tracees, t.pid)
	}
	t.reapInParent()
	if t.th.users--; t.th.users == 0 {
		t.th.end()
	}
	return errors.Join(errs...)
}

// kill ends a spawned subject and reaps it.
func (t *Tracee) kill() error {
	if err := unix.Kill(t.pid, unix.SIGKILL); err != nil && err != unix.ESRCH {
		return os.NewSyscallError("kill", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		ws, err := t.th.wait(t.pid, deadline)
		if err != nil {
			return fmt.Errorf("process %d did not die after SIGKILL: %w", t.pid, err)
		}
		if ws.Exited() || ws.Signaled() {
			t.setExit(ws)
			return nil
		}
	}
}

// detach stops the process, hands back any signal held during the stop and
// releases it. A process in group-stop stays stopped: the kernel reinstates
// the stop when its tracer leaves.
func (t *Tracee) detach() error {
	if t.hasExited() {
		return nil
	}
	s, err := t.stop("detach")
	if err != nil {
		if errors.Is(err, ErrExited) {
			return nil
		}
		return err
	}
	// Held signals go back to the queue; once detached the process takes
	// them itself.
	for _, p := range s.pending {
		_ = unix.Tgkill(t.pid, t.pid, p.sig)
	}
	if err := unix.PtraceDetach(t.pid); err != nil {
		return os.NewSyscallError("ptrace(PTRACE_DETACH)", err)
	}
	return nil
}

// idleStop handles a status change that happened between operations and
// reports whether the process is gone. A signal is passed on at once; a
// group-stop is kept with PTRACE_LISTEN so that the process stays stopped
// until SIGCONT (engine.md fact 7).
func (t *Tracee) idleStop(ws unix.WaitStatus) (gone bool) {
	if ws.Exited() || ws.Signaled() {
		t.setExit(ws)
		return true
	}
	sig, event := decodeStop(ws)
	switch {
	case event == unix.PTRACE_EVENT_STOP && isStopSignal(sig):
		if ptraceListen(t.pid) != nil {
			_ = unix.PtraceCont(t.pid, 0)
		}
	case event == 0 && sig != syscallTrap:
		_ = unix.PtraceCont(t.pid, int(sig))
	default:
		_ = unix.PtraceCont(t.pid, 0)
	}
	return false
}

// syscallTrap is the stop signal of a syscall stop with TRACESYSGOOD.
const syscallTrap = unix.SIGTRAP | 0x80

// decodeStop splits a stop status into the signal and the ptrace event.
func decodeStop(ws unix.WaitStatus) (unix.Signal, int) {
	return unix.Signal(ws>>8) & 0xff, int(ws >> 16)
}

// isStopSignal reports whether sig stops a process (a group-stop).
func isStopSignal(sig unix.Signal) bool {
	return sig == unix.SIGSTOP || sig == unix.SIGTSTP || sig == unix.SIGTTIN || sig == unix.SIGTTOU
}

// ptraceListen keeps a group-stopped tracee stopped while letting it see
// SIGCONT.
func ptraceListen(pid int) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_LISTEN, uintptr(pid), 0, 0, 0, 0)
	if e != 0 {
		return os.NewSyscallError("ptrace(PTRACE_LISTEN)", e)
	}
	return nil
}

// run makes one system call in the process (runner).
func (t *Tracee) run(req request) (raw uint64, done bool, err error) {
	err = t.th.do(func() error {
		return t.operate(req.name, func(s *session) error {
			var err error
			raw, err = s.syscall(req)
			done = s.injected > 0
			return err
		})
	})
	if errors.Is(err, errThreadGone) {
		err = fmt.Errorf("%s: the tracee of process %d is closed", req.name, t.pid)
	}
	return raw, done, err
}

// checkAccess lets memory accesses through while the process lives
// (runner).
func (t *Tracee) checkAccess(uint64, int, bool) error {
	if t.hasExited() {
		return t.exitError("memory access")
	}
	return nil
}
