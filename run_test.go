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

// lectureBlock reads one of the lecture's code blocks (the files csrc's
// tests use too).
func lectureBlock(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("mapping", "csrc", "testdata", "lecture", name+".c"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRunLectureBlocks pastes the lecture's code blocks into mapscope run,
// verbatim but for the shm name (tests of other packages use /my_data at
// the same time), and checks their effect where the lecture says it is:
// /dev/shm, the file, the maps.
func TestRunLectureBlocks(t *testing.T) {
	name := fmt.Sprintf("/mapscope-run-lecture-%d", os.Getpid())
	obj := "/dev/shm" + name
	os.Remove(obj)
	t.Cleanup(func() { os.Remove(obj) })
	rename := func(s string) string { return strings.ReplaceAll(s, "/my_data", name) }

	// Creating the object, mapping it and using it. The object outlives
	// the process (kernel persistence): run ends, 42 is still there.
	code, out, errs := runMapscope(t, rename(lectureBlock(t, "create")+lectureBlock(t, "map-and-use")), "run", "-")
	if code != exitOK {
		t.Fatalf("create + map: exit %d, %s\n%s", code, errs, out)
	}
	data, err := os.ReadFile(obj)
	if err != nil || len(data) != 1024 || data[0] != 42 || data[1] != 0 {
		t.Fatalf("%s after the run: %d bytes, first %v (%v); want 1024 bytes holding 42", obj, len(data), data[:min(4, len(data))], err)
	}
	for _, w := range []string{`shm_open("` + name + `", O_CREAT | O_RDWR, 0666) = 3`, "ftruncate(3, 1024) = 0", "close(3) = 0", "*(int*)0x"} {
		if !strings.Contains(out, w) {
			t.Errorf("the run's output lacks %q:\n%s", w, out)
		}
	}

	// shm_unlink removes the name.
	if code, out, errs := runMapscope(t, rename(lectureBlock(t, "shm-unlink")), "run", "-"); code != exitOK || !strings.Contains(out, "= 0") {
		t.Fatalf("shm_unlink: exit %d, %s\n%s", code, errs, out)
	}
	if _, err := os.Stat(obj); !os.IsNotExist(err) {
		t.Errorf("%s exists after the shm_unlink block", obj)
	}

	// An anonymous shared mapping: shown as /dev/zero (deleted), rw-s.
	code, out, errs = runMapscope(t, lectureBlock(t, "anonymous"), "run", "--maps", "-")
	if code != exitOK || !strings.Contains(out, "/dev/zero (deleted)") || !strings.Contains(lineWith(out, "/dev/zero (deleted)"), "rw-s") {
		t.Errorf("anonymous block: exit %d, %s\n%s", code, errs, out)
	}

	// The mmap syntax with a file you create, a write, and the msync block.
	path := filepath.Join(t.TempDir(), "data.txt")
	prog := fmt.Sprintf("int fd = open(%q, O_RDWR | O_CREAT, 0644);\nftruncate(fd, 4096);\nsize_t length = 4096;\noff_t offset = 0;\n", path) +
		lectureBlock(t, "mmap-syntax") + "strcpy((char*)addr, \"through the mapping\");\n" + lectureBlock(t, "msync")
	code, out, errs = runMapscope(t, prog, "run", "-")
	if code != exitOK || !strings.Contains(out, "msync(0x") || strings.Contains(out, "] msync:") {
		t.Fatalf("mmap + msync: exit %d, %s\n%s", code, errs, out)
	}
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "through the mapping\x00") {
		t.Errorf("the file holds %.25q, not what was written through the mapping", b)
	}
}
