package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mapscope/procmaps"
)

// markerProgram waits for SIGUSR1, then maps a file whose name the test
// looks for on the screen, and waits again.
const markerProgram = `
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile sig_atomic_t go;
static void on_usr1(int s) { (void)s; go = 1; }

int main(int argc, char **argv) {
	signal(SIGUSR1, on_usr1);
	while (!go) pause();
	int fd = open(argv[1], O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, 3 * 4096) != 0) { perror("open"); return 1; }
	void *p = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) { perror("mmap"); return 1; }
	for (;;) pause();
}
`

// TestEndToEndInTmux runs the real binary in a real terminal against a
// real process, as a person would: it looks at the screen, makes the
// process map a file, sees the new row appear, quits, and checks that the
// shell got a sane terminal back.
func TestEndToEndInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it): cannot run the end-to-end test")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed (.ci/run installs it): cannot build the subject program")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "marker.c")
	prog := filepath.Join(dir, "marker")
	if err := os.WriteFile(src, []byte(markerProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-O1", "-o", prog, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	// A short path, so the path column shows it whole; two spaces: shown exactly.
	short, err := os.MkdirTemp("/tmp", "ms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(short) })
	marker := filepath.Join(short, "e2e  marker.dat")
	subject := exec.Command(prog, marker)
	if err := subject.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { subject.Process.Kill(); subject.Wait() })

	tm := newTmux(t, "sh")
	tmux, waitFor := tm.run, tm.waitFor
	session := tm.name

	pid := subject.Process.Pid
	tmux("send-keys", "-t", session, fmt.Sprintf("%s -p %d; echo EXIT=$?", bin, pid), "Enter")
	s := waitFor("the mapping table", func(s string) bool { return strings.Contains(s, "[stack]") })
	for _, want := range []string{fmt.Sprint(pid), prog, "live"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "marker.dat") {
		t.Fatalf("the marker is on screen before the process mapped it:\n%s", s)
	}

	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	s = waitFor("the new mapping's row", func(s string) bool { return strings.Contains(s, "e2e  marker.dat") })
	row := lineWith(s, "e2e  marker.dat")
	if !strings.Contains(row, "r--s") || !strings.Contains(row, "12K") {
		t.Errorf("new row %q should show r--s and 12K", row)
	}

	// Act on it: the first action asks; yes attaches; enter runs the
	// default mmap; the call log and a new row show the result.
	tmux("send-keys", "-t", session, "m")
	waitFor("the attach question", func(s string) bool { return strings.Contains(s, "was not started by mapscope") })
	if tp := tracerPid(t, pid); tp != "0" {
		t.Fatalf("the process is traced (TracerPid %s) before the user said yes", tp)
	}
	tmux("send-keys", "-t", session, "y")
	waitFor("the mmap form", func(s string) bool { return strings.Contains(s, "── mmap") })
	// MAP_SHARED: a private anonymous mapping may merge with a neighbour
	// and show as a resized row instead of a new one.
	tmux("send-keys", "-t", session, "Tab", "Tab", "Right")
	waitFor("the preview with MAP_SHARED", func(s string) bool { return strings.Contains(s, "MAP_SHARED | MAP_ANONYMOUS, -1, 0)") })
	tmux("send-keys", "-t", session, "Enter")
	s = waitFor("the call in the log", func(s string) bool {
		return strings.Contains(s, "MAP_SHARED | MAP_ANONYMOUS, -1, 0) = 0x") && strings.Contains(s, "← new")
	})
	logLine := lineWith(s, "= 0x")
	addr := logLine[strings.LastIndex(logLine, "= 0x")+4:]
	addr = strings.Fields(addr)[0]
	if !strings.Contains(lineWith(s, "← new"), addr) {
		t.Errorf("the highlighted new row is not the mapping at 0x%s:\n%s", addr, s)
	}
	if maps, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid)); !strings.Contains(string(maps), addr+"-") {
		t.Errorf("the kernel shows no mapping at 0x%s", addr)
	}

	tmux("send-keys", "-t", session, "q")
	s = waitFor("the shell after quitting", func(s string) bool { return strings.Contains(s, "EXIT=0") })
	if strings.Contains(s, "[stack]") {
		t.Errorf("the table is still on screen after quitting (alternate screen not left):\n%s", s)
	}
	// The terminal must be back in cooked mode with echo on.
	tmux("send-keys", "-t", session, "stty -a | tr ' ;' '\\n\\n' | grep -x -e -icanon -e -echo -e icanon -e echo | tr '\\n' ' '; echo STTY-$((1+1))", "Enter")
	s = waitFor("stty's answer", func(s string) bool { return strings.Contains(s, "STTY-2") })
	stty := lineWith(s, "STTY-2")
	if !strings.Contains(stty, "icanon") || strings.Contains(stty, "-icanon") || strings.Contains(stty, "-echo") {
		t.Errorf("terminal not restored: stty says %q", stty)
	}
	if err := subject.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the watched process did not survive mapscope: %v", err)
	}
	if tp := tracerPid(t, pid); tp != "0" {
		t.Errorf("the process is still traced (TracerPid %s) after mapscope quit", tp)
	}
	// Just detached: briefly R on its way back into pause.
	if st := procmaps.WaitAsleep("/proc", pid, 2*time.Second); st != "S" {
		t.Errorf("the process is in state %q after mapscope quit, want S (asleep in pause)", st)
	}
}

// TestSIGKILLLeavesNoSubject kills mapscope with SIGKILL — no chance to
// clean up — and checks that its lab subject and the subject's forked
// child die with it (PTRACE_O_EXITKILL), leaving nothing behind.
func TestSIGKILLLeavesNoSubject(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it): cannot run the end-to-end test")
	}
	bin := buildBinary(t)
	tm := newTmux(t, bin)
	s := tm.waitFor("the lab subject", func(s string) bool { return strings.Contains(s, "sleep infinity") && strings.Contains(s, "[stack]") })
	tm.run("send-keys", "-t", tm.name, "f")
	tm.waitFor("the child's tab", func(s string) bool { return strings.Contains(s, "(child of ") })
	mapscope, err := strconv.Atoi(strings.TrimSpace(tm.run("list-panes", "-t", tm.name, "-F", "#{pane_pid}")))
	if err != nil {
		t.Fatal(err)
	}
	subjects := childrenOf(mapscope)
	if len(subjects) != 1 {
		t.Fatalf("mapscope %d has children %v, want one subject:\n%s", mapscope, subjects, s)
	}
	children := childrenOf(subjects[0])
	if len(children) != 1 {
		t.Fatalf("the subject %d has children %v, want the forked one", subjects[0], children)
	}
	if err := syscall.Kill(mapscope, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range append(subjects, children...) {
		for stateOf(pid) != "" && stateOf(pid) != "Z" && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if st := stateOf(pid); st != "" && st != "Z" {
			t.Errorf("process %d outlived a SIGKILLed mapscope (state %s)", pid, st)
		}
	}
}

// buildBinary builds mapscope into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mapscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// tmuxSession is a 120×40 tmux server of its own running one command.
type tmuxSession struct {
	t    *testing.T
	name string
}

// newTmux starts command (a shell, or the binary itself) in a new tmux
// server with a clean environment; it is killed when the test ends.
func newTmux(t *testing.T, command string) *tmuxSession {
	t.Helper()
	tm := &tmuxSession{t: t, name: fmt.Sprintf("mapscope-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())}
	tm.run("-f", "/dev/null", "new-session", "-d", "-s", tm.name, "-x", "120", "-y", "40",
		"env", "-i", "PATH="+os.Getenv("PATH"), "TERM=xterm-256color", "PS1=$ ", command)
	t.Cleanup(func() { exec.Command("tmux", "-L", tm.name, "kill-server").Run() })
	return tm
}

// run runs a tmux command against the session's server.
func (tm *tmuxSession) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.name}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// waitFor polls the screen until ok holds, failing after 15 s.
func (tm *tmuxSession) waitFor(what string, ok func(string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		if s = tm.run("capture-pane", "-p", "-t", tm.name); ok(s) {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	tm.t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
	return ""
}

// childrenOf lists a process's children (of all its threads).
func childrenOf(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// stateOf is the State letter of /proc/<pid>/stat, "" when it is gone.
func stateOf(pid int) string { return procmaps.ReadState("/proc", pid) }

// tracerPid is the TracerPid of /proc/<pid>/status.
func tracerPid(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "TracerPid:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func lineWith(screen, s string) string {
	for line := range strings.SplitSeq(screen, "\n") {
		if strings.Contains(line, s) && !strings.Contains(line, "grep") {
			return line
		}
	}
	return ""
}
