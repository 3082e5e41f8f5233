package mapping

import (
	"errors"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// thread is one goroutine locked to its OS thread. A tracee answers ptrace
// requests only from the thread that seized it (engine.md fact 2), so every
// ptrace request for the tracees it owns runs here, sent as a closure (the
// pattern of delve's execPtraceFunc). Between requests the thread watches its
// tracees and forwards the signals that stop them, so a seized process never
// hangs in a ptrace stop while nobody acts on it.
type thread struct {
	reqs    chan func()
	sigchld chan os.Signal
	quit    chan struct{}
	done    chan struct{}
	ending  sync.Once

	// Used only on the thread: the tracees it watches, and how many Tracee
	// values (a process and its fork children) are not yet closed.
	tracees map[int]*Tracee
	users   int
}

// idlePoll bounds how long a stop can wait unnoticed between operations when
// a SIGCHLD is missed; SIGCHLD normally wakes the thread at once.
const idlePoll = 50 * time.Millisecond

// errThreadGone is returned for requests made after the thread ended.
var errThreadGone = errors.New("mapping: tracee is closed")

func newThread() *thread {
	th := &thread{
		reqs:    make(chan func()),
		sigchld: make(chan os.Signal, 1),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		tracees: map[int]*Tracee{},
	}
	// A stopping tracee sends its tracer SIGCHLD: it wakes the waits below.
	signal.Notify(th.sigchld, unix.SIGCHLD)
	go th.loop()
	return th
}

func (th *thread) loop() {
	// The thread is never unlocked: when the goroutine returns, the runtime
	// ends the thread, so no other goroutine ever runs on a tracer thread.
	runtime.LockOSThread()
	defer close(th.done)
	defer signal.Stop(th.sigchld)
	tick := time.NewTicker(idlePoll)
	defer tick.Stop()
	for {
		select {
		case f := <-th.reqs:
			f()
			th.poll()
		case <-th.sigchld:
			th.poll()
		case <-tick.C:
			th.poll()
		case <-th.quit:
			return
		}
	}
}

// do runs f on the thread and returns its error. It is safe to call from any
// goroutine.
func (th *thread) do(f func() error) error {
	errc := make(chan error, 1)
	select {
	case th.reqs <- func() { errc <- f() }:
		return <-errc
	case <-th.done:
		return errThreadGone
	}
}

// end asks the thread to stop after the current request; it may be called
// on the thread.
func (th *thread) end() { th.ending.Do(func() { close(th.quit) }) }

// stop ends the thread and waits for it; not on the thread.
func (th *thread) stop() {
	th.end()
	<-th.done
}

// poll collects every status change of the thread's tracees and handles the
// stops that happen between operations.
func (th *thread) poll() {
	for pid, t := range th.tracees {
		for {
			ws, ok, err := waitNoHang(pid)
			if err != nil || !ok {
				break
			}
			if t.idleStop(ws) {
				delete(th.tracees, pid)
				t.reapInParent()
				break
			}
		}
	}
}

// waitNoHang collects one status change of pid if there is one.
func waitNoHang(pid int) (unix.WaitStatus, bool, error) {
	for {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(pid, &ws, unix.WNOHANG|unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, false, os.NewSyscallError("wait4", err)
		}
		return ws, wpid == pid, nil
	}
}

// errWaitTimeout is returned when a stop does not come in time.
var errWaitTimeout = errors.New("timed out")

// wait waits for the next status change of pid until the deadline. Every
// wait in the engine is bounded: a process that never stops must not hang
// mapscope.
func (th *thread) wait(pid int, deadline time.Time) (unix.WaitStatus, error) {
	backoff := 20 * time.Microsecond
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		ws, ok, err := waitNoHang(pid)
		if err != nil {
			return 0, err
		}
		if ok {
			return ws, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return 0, errWaitTimeout
		}
		timer.Reset(min(backoff, left))
		select {
		case <-th.sigchld:
		case <-timer.C:
		}
		backoff = min(2*backoff, 5*time.Millisecond)
	}
}
