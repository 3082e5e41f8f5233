package mapping

import (
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// checkBusyLine verifies one line of the busy subject: "a b d" with b = a²
// and d = a(a+1)/2 (mod 2^64), a a multiple of 2^18 larger than prev.
func checkBusyLine(t *testing.T, line string, prev uint64) uint64 {
	t.Helper()
	var a, b, d uint64
	if _, err := fmt.Sscan(line, &a, &b, &d); err != nil {
		t.Fatalf("bad line %q: %v", line, err)
	}
	if b != a*a || d != a*(a+1)/2 || a%(1<<18) != 0 || a <= prev {
		t.Fatalf("the subject's counters are corrupt after line %d: %q", prev, line)
	}
	return a
}

// TestBusySubjectThousandCalls injects 1,000 calls into a subject that
// computes in registers without pause; its counters must stay consistent and
// it must keep running.
func TestBusySubjectThousandCalls(t *testing.T) {
	r, w, _ := os.Pipe()
	defer r.Close()
	tr := spawn(t, []string{buildC(t, "busy")}, &SpawnOptions{Stdout: w})
	w.Close()
	lines := pipeLines(r)
	last := checkBusyLine(t, nextLine(t, lines), 0)

	injected := 0
	for i := 0; i < 400; i++ {
		c := ok(t)(tr.Mmap(0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0))
		ok(t)(tr.Munmap(c.Addr(), page))
		injected += 2
	}
	for i := 0; i < 200; i++ {
		if c := ok(t)(tr.Getpid()); c.Value() != int64(tr.Pid()) {
			t.Fatalf("getpid() in the subject = %d, want %d", c.Value(), tr.Pid())
		}
		injected++
	}
	t.Logf("%d calls injected", injected)

	seen := 0
	for drained := false; !drained; {
		select {
		case l := <-lines:
			last = checkBusyLine(t, l, last)
			seen++
		default:
			drained = true
		}
	}
	// Still counting after the injections.
	for i := 0; i < 3; i++ {
		last = checkBusyLine(t, nextLine(t, lines), last)
	}
	t.Logf("%d lines checked during the injections, counter at %d", seen, last)
	if st, gone := tr.Exited(); gone {
		t.Fatalf("the subject ended: %s", st)
	}
	for _, m := range procMaps(t, tr.Pid()) {
		if m.path == "" && m.end-m.start == page && m.perms == "rw-p" {
			// busy has no heap: a lone anonymous page would be a leftover.
			t.Errorf("a mapping was left behind: %+v", m)
		}
	}
}

// TestBlockedReadRestarts: a subject blocked in read() on a pipe (restart
// code ERESTARTSYS) still reads what is written after the injections.
func TestBlockedReadRestarts(t *testing.T) {
	tr, in, lines := spawnReader(t)
	for i := 0; i < 5; i++ {
		// Each operation finds the reader blocked again.
		waitBlockedIn(t, tr.Pid(), sysRead)
		ok(t)(tr.Getpid())
		if nr, code := interrupted(tr); nr != sysRead || code != restartCode(512) {
			t.Errorf("reader was stopped in syscall %d with restart code %d, want read with ERESTARTSYS", nr, code)
		}
	}
	if _, err := in.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if got := nextLine(t, lines); got != "got hello count 0 foreign 0" {
		t.Errorf("reader said %q", got)
	}
}

// restartCode is code as interrupted reports it: 0 on arm64.
func restartCode(code int64) int64 {
	if syscallInsn[0] != 0x0f {
		return 0
	}
	return code
}

// spawnReader starts the reader subject with args, waits for "ready" and
// returns its stdin writer and output lines.
func spawnReader(t *testing.T, args ...string) (*Tracee, *os.File, <-chan string) {
	t.Helper()
	inR, inW, _ := os.Pipe()
	outR, outW, _ := os.Pipe()
	t.Cleanup(func() { inW.Close(); outR.Close() })
	tr := spawn(t, append([]string{buildC(t, "reader")}, args...), &SpawnOptions{Stdin: inR, Stdout: outW})
	inR.Close()
	outW.Close()
	lines := pipeLines(outR)
	if l := nextLine(t, lines); l != "ready" {
		t.Fatalf("reader said %q", l)
	}
	return tr, inW, lines
}

// TestNanosleepWakesOnTime: injections during a one-second nanosleep
// (ERESTART_RESTARTBLOCK) neither cut it short nor make it longer.
func TestNanosleepWakesOnTime(t *testing.T) {
	r, w, _ := os.Pipe()
	defer r.Close()
	tr := spawn(t, []string{buildC(t, "napper")}, &SpawnOptions{Stdout: w})
	w.Close()
	lines := pipeLines(r)
	waitBlockedIn(t, tr.Pid(), sysClockNanosleep)
	for i := 0; i < 3; i++ {
		time.Sleep(150 * time.Millisecond)
		ok(t)(tr.Getpid())
		// The first stop finds clock_nanosleep; the fix-up resumes it
		// through restart_syscall, where the later stops find it.
		want := int64(sysClockNanosleep)
		if i > 0 {
			want = int64(sysno.restartSyscall)
		}
		if nr, code := interrupted(tr); syscallInsn[0] == 0x0f && (nr != want || code != 516) {
			t.Errorf("stop %d found syscall %d with restart code %d, want %d with ERESTART_RESTARTBLOCK", i, nr, code, want)
		}
	}
	var ms, result int
	var text string
	line := nextLine(t, lines)
	if _, err := fmt.Sscanf(line, "slept %d ms result %d %s", &ms, &result, &text); err != nil {
		t.Fatalf("napper said %q", line)
	}
	if result != 0 || ms < 1000 || ms > 1150 {
		t.Errorf("napper: %q; want a full second, on time", line)
	}
}

// TestSignalsDuringOperations sends a signal at the moment each operation
// has stopped the subject. The engine holds it while it injects and gives it
// back afterwards with its original siginfo (si_code SI_USER, not the
// SI_TKILL of a resend), before the kernel's restart logic runs — so a
// handler with SA_RESTART lets read() carry on, and one without makes it fail
// with EINTR, exactly as without mapscope.
func TestSignalsDuringOperations(t *testing.T) {
	for _, mode := range []string{"restart", "norestart"} {
		t.Run(mode, func(t *testing.T) {
			tr, in, lines := spawnReader(t, mode)
			waitBlockedIn(t, tr.Pid(), sysRead)
			sigrtmin := unix.Signal(34)
			n := 20
			if mode == "norestart" {
				n = 1 // the read ends with the first signal, and the subject with it
			}
			_ = tr.th.do(func() error {
				tr.afterStop = func() { _ = unix.Kill(tr.Pid(), sigrtmin) }
				return nil
			})
			for i := 0; i < n; i++ {
				ok(t)(tr.Getpid())
			}
			_ = tr.th.do(func() error { tr.afterStop = nil; return nil })
			if mode == "norestart" {
				// The first signal ended the read with EINTR.
				if got, want := nextLine(t, lines), "error Interrupted system call count 1 foreign 0"; got != want {
					t.Errorf("reader said %q, want %q", got, want)
				}
				return
			}
			if _, err := in.Write([]byte("after\n")); err != nil {
				t.Fatal(err)
			}
			if got, want := nextLine(t, lines), fmt.Sprintf("got after count %d foreign 0", n); got != want {
				t.Errorf("reader said %q, want %q", got, want)
			}
		})
	}
}

// TestGroupStopKept: a subject stopped with SIGSTOP can be acted on and
// stays stopped until SIGCONT.
func TestGroupStopKept(t *testing.T) {
	r, w, _ := os.Pipe()
	defer r.Close()
	tr := spawn(t, []string{buildC(t, "busy")}, &SpawnOptions{Stdout: w})
	w.Close()
	lines := pipeLines(r)
	last := checkBusyLine(t, nextLine(t, lines), 0)

	if err := unix.Kill(tr.Pid(), unix.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the subject to stop", func() bool { s := state(tr.Pid()); return s == "t" || s == "T" })
	time.Sleep(20 * time.Millisecond)
	for drained := false; !drained; {
		select {
		case l := <-lines:
			last = checkBusyLine(t, l, last)
		default:
			drained = true
		}
	}
	c := ok(t)(tr.Mmap(0, page, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0))
	if _, found := mappingAt(t, tr.Pid(), c.Addr()); !found {
		t.Error("mmap in the stopped subject did not map")
	}
	select {
	case l := <-lines:
		t.Fatalf("the stopped subject ran after the operation: %q", l)
	case <-time.After(300 * time.Millisecond):
	}
	if err := unix.Kill(tr.Pid(), unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
	checkBusyLine(t, nextLine(t, lines), last)
}
