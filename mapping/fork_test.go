package mapping

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFork forks a sleeping subject: the child has the same mappings, sleeps
// on, shares MAP_SHARED memory and copies MAP_PRIVATE memory on write; when
// closed it is killed and reaped by the parent; closing the parent ends its
// remaining children.
func TestFork(t *testing.T) {
	parent := spawnSleeper(t)
	shared := ok(t)(parent.Mmap(0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS, -1, 0)).Addr()
	private := ok(t)(parent.Mmap(0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0)).Addr()
	for _, a := range []uint64{shared, private} {
		if _, err := parent.WriteMemory(a, []byte("P")); err != nil {
			t.Fatal(err)
		}
	}

	child, c, err := parent.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if c.String() != fmt.Sprintf("fork() = %d", child.Pid()) {
		t.Errorf("call = %q", c)
	}
	cpid := child.Pid()
	if ppid := statusField(t, cpid, "PPid"); ppid != strconv.Itoa(parent.Pid()) {
		t.Errorf("child's PPid = %s, want %d", ppid, parent.Pid())
	}
	waitBlockedIn(t, cpid, sysPause)
	if fmt.Sprint(procMaps(t, cpid)) != fmt.Sprint(procMaps(t, parent.Pid())) {
		t.Errorf("child's mappings differ from the parent's:\n%v\n%v", procMaps(t, cpid), procMaps(t, parent.Pid()))
	}
	if g := ok(t)(child.Getpid()); g.Value() != int64(cpid) {
		t.Errorf("getpid() in the child = %d, want %d", g.Value(), cpid)
	}

	for _, a := range []uint64{shared, private} {
		if _, err := child.WriteMemory(a, []byte("C")); err != nil {
			t.Fatal(err)
		}
	}
	read := func(tr *Tracee, a uint64) string {
		b, err := tr.ReadMemory(a, 1)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := read(parent, shared); got != "C" {
		t.Errorf("parent reads %q from MAP_SHARED after the child wrote C", got)
	}
	if got := read(parent, private); got != "P" {
		t.Errorf("parent reads %q from MAP_PRIVATE after the child wrote C, want its own P", got)
	}
	if got := read(child, private); got != "C" {
		t.Errorf("child reads %q from its MAP_PRIVATE copy, want C", got)
	}

	if err := child.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the child to be reaped by its parent", func() bool { return state(cpid) == "" })
	waitBlockedIn(t, parent.Pid(), sysPause)
	checkCodeClean(t, parent.Pid())

	child2, _, err := parent.Fork()
	if err != nil {
		t.Fatal(err)
	}
	waitBlockedIn(t, child2.Pid(), sysPause)
	if err := parent.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the parent and its child to end", func() bool { return state(child2.Pid()) == "" && state(parent.Pid()) == "" })
}

// TestForkDuringNanosleep forks a subject in the middle of a one-second
// nanosleep: both parent and child wake on time (the child carries on
// through restart_syscall) and report it.
func TestForkDuringNanosleep(t *testing.T) {
	r, w, _ := os.Pipe()
	defer r.Close()
	tr := spawn(t, []string{buildC(t, "napper")}, &SpawnOptions{Stdout: w})
	w.Close()
	lines := pipeLines(r)
	waitBlockedIn(t, tr.Pid(), sysClockNanosleep)
	child, _, err := tr.Fork()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		var ms, result int
		var text string
		line := nextLine(t, lines)
		if _, err := fmt.Sscanf(line, "slept %d ms result %d %s", &ms, &result, &text); err != nil || result != 0 || ms < 1000 || ms > 1150 {
			t.Errorf("output %d: %q; want a full second, on time", i, line)
		}
	}
	<-child.Done()
	if st, _ := child.Exited(); st.Signal != 0 || st.Code != 0 {
		t.Errorf("the child %s, want exit status 0", st)
	}
}

// TestExitKillGetppid: getppid in a forked child names the parent; exit(3)
// in a child ends it with status 3 (and it is reaped: no zombie); kill from
// the parent ends another child with the signal; Self refuses to exit or to
// signal itself.
func TestExitKillGetppid(t *testing.T) {
	parent := spawnSleeper(t)
	child, _, err := parent.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if c := ok(t)(child.Getppid()); c.Value() != int64(parent.Pid()) || c.Text != "getppid()" {
		t.Errorf("getppid() in the child = %s, want %d", c, parent.Pid())
	}
	c, err := child.Exit(3)
	if !errors.Is(err, ErrExited) || c.Text != "exit(3)" {
		t.Errorf("exit(3): %s, %v; want the exit reported", c, err)
	}
	<-child.Done()
	if st, ok := child.Exited(); !ok || st.Code != 3 || st.Signal != 0 {
		t.Errorf("child ended %+v, want exit status 3", st)
	}
	waitGone(t, child.Pid())

	second, _, err := parent.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if c := ok(t)(parent.Kill(second.Pid(), unix.SIGTERM)); c.Text != fmt.Sprintf("kill(%d, SIGTERM)", second.Pid()) || c.Value() != 0 {
		t.Errorf("kill = %s", c)
	}
	<-second.Done()
	if st, _ := second.Exited(); st.Signal != unix.SIGTERM {
		t.Errorf("second child ended %+v, want killed by SIGTERM", st)
	}
	waitGone(t, second.Pid())
	// The parent is stopped for a moment (t) to reap a child, then let go.
	st := statusField(t, parent.Pid(), "State")
	for deadline := time.Now().Add(2 * time.Second); strings.HasPrefix(st, "t") && time.Now().Before(deadline); st = statusField(t, parent.Pid(), "State") {
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.HasPrefix(st, "S") && !strings.HasPrefix(st, "R") {
		t.Errorf("parent state %s after its children ended", st)
	}

	self := NewSelf()
	if _, err := self.Exit(0); !errors.Is(err, ErrRefused) {
		t.Errorf("Self.Exit: %v, want a refusal", err)
	}
	if _, err := self.Kill(os.Getpid(), unix.SIGKILL); !errors.Is(err, ErrRefused) {
		t.Errorf("Self.Kill(self): %v, want a refusal", err)
	}
}

// waitGone waits up to 3 s for a process to disappear (reaped, not a zombie).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); os.IsNotExist(err) {
			return
		}
	}
	t.Errorf("process %d is still there (state %s): not reaped", pid, statusField(t, pid, "State"))
}
