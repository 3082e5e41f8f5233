package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
	dir := t.TempDir()
	bin := filepath.Join(dir, "mapscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
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

	session := fmt.Sprintf("mapscope-e2e-%d", os.Getpid())
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-L", session}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	tmux("-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
		"env", "-i", "PATH="+os.Getenv("PATH"), "TERM=xterm-256color", "PS1=$ ", "sh")
	t.Cleanup(func() { exec.Command("tmux", "-L", session, "kill-server").Run() })
	screen := func() string { return tmux("capture-pane", "-p", "-t", session) }
	waitFor := func(what string, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		var s string
		for time.Now().Before(deadline) {
			if s = screen(); ok(s) {
				return s
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
		return ""
	}

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
}

func lineWith(screen, s string) string {
	for line := range strings.SplitSeq(screen, "\n") {
		if strings.Contains(line, s) && !strings.Contains(line, "grep") {
			return line
		}
	}
	return ""
}
