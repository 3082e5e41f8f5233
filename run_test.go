package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runMapscope calls run with args and the program text on stdin.
func runMapscope(t *testing.T, input string, args ...string) (int, string, string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(input)
	defer func() { stdin = old }()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb, false)
	return code, out.String(), errb.String()
}

// TestRunFork runs product.md §4's fork program from a file: the child
// prints c, the parent p, each line labelled by its process.
func TestRunFork(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fork.c")
	src := `#include <sys/mman.h>
char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
pid_t pid = fork();
if (pid == 0) { p[0] = 'c'; } else { p[0] = 'p'; }
printf("%c\n", p[0]);
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runMapscope(t, "", "run", path)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q\n%s", code, errs, out)
	}
	var parent, child string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "[parent ") && strings.HasSuffix(l, "] p"):
			parent = l
		case strings.HasPrefix(l, "[child ") && strings.HasSuffix(l, "] c"):
			child = l
		}
	}
	if parent == "" || child == "" {
		t.Errorf("want a parent line ending in p and a child line ending in c:\n%s", out)
	}
	if !strings.Contains(out, "mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) = 0x") {
		t.Errorf("the mmap call is not printed as the log shows it:\n%s", out)
	}
}

// TestRunExitStatus: 0 when every statement ran (a failing call is a
// result), 1 when the program could not run to its end, 2 for a syntax
// error (with line and column) or an unreadable file.
func TestRunExitStatus(t *testing.T) {
	cases := []struct {
		src, file string
		code      int
		stderr    string
	}{
		{`int fd = open("/nonexistent", O_RDONLY); if (fd == -1) perror("open");`, "-", exitOK, ""},
		{"int x = 4\nint y;", "-", exitUsage, "line 2, column 1"},
		{`int* p = NULL; *p = 1;`, "-", exitFailure, "SEGV_MAPERR"},
		{``, filepath.Join(t.TempDir(), "missing.c"), exitUsage, "cannot read the program"},
		{`while (1) {}`, "-", exitUsage, "`while` loops are not supported"},
	}
	for _, c := range cases {
		code, out, errs := runMapscope(t, c.src, "run", c.file)
		if code != c.code || !strings.Contains(errs, c.stderr) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q\n%s", c.src, code, errs, c.code, c.stderr, out)
		}
		if c.code == exitUsage && strings.Contains(out, "[") {
			t.Errorf("%q: a program with a syntax error ran:\n%s", c.src, out)
		}
	}
}

// TestRunJSONMaps: --json --maps prints one JSON object with the events and
// the mapping table of the subject, which holds the mapping the program
// made.
func TestRunJSONMaps(t *testing.T) {
	code, out, errs := runMapscope(t, `void* a = mmap(NULL, 12288, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);`,
		"run", "--json", "--maps", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Events []struct {
			Pid        int
			Kind, Text string
		}
		Processes []struct {
			PID      int
			Mappings []struct{ Start, Perms string }
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(got.Events) != 1 || got.Events[0].Kind != "call" {
		t.Fatalf("events %+v", got.Events)
	}
	text := got.Events[0].Text
	addr := text[strings.LastIndex(text, "= ")+2:]
	if len(got.Processes) != 1 || got.Processes[0].PID != got.Events[0].Pid {
		t.Fatalf("processes %+v", got.Processes)
	}
	found := false
	for _, m := range got.Processes[0].Mappings {
		if m.Start == addr && m.Perms == "r--s" {
			found = true
		}
	}
	if !found {
		t.Errorf("the maps have no r--s mapping at %s", addr)
	}
}

// TestRunAttached: -p runs the program in a process mapscope did not start,
// which is left running and untraced afterwards.
func TestRunAttached(t *testing.T) {
	pid := startSleep(t)
	code, out, errs := runMapscope(t, `void* a = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
printf("%d\n", getpid());`, "run", "-p", fmt.Sprint(pid), "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, fmt.Sprintf("[%d] %d", pid, pid)) {
		t.Errorf("getpid() in the attached process:\n%s", out)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("the attached process is gone: %v", err)
	}
	if !strings.Contains(string(status), "TracerPid:\t0\n") {
		t.Error("the attached process is still traced after run")
	}
}
