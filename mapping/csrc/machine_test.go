package csrc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"mapscope/mapping"
)

// subject spawns `sleep infinity` under the engine, closed when the test
// ends.
func subject(t *testing.T) *mapping.Tracee {
	t.Helper()
	tr, err := mapping.Spawn([]string{"sleep", "infinity"}, nil)
	if err != nil {
		t.Skipf("cannot spawn a traced subject: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// run loads src into a machine on a fresh subject (batch semantics:
// children exit at the end) and runs it, returning the events as text.
func run(t *testing.T, src string) ([]Event, *Machine, error) {
	t.Helper()
	tr := subject(t)
	var evs []Event
	m := New(Adapt(tr), func(e Event) { evs = append(evs, e) }, Options{ExitAtEnd: true})
	if err := m.Load(src); err != nil {
		return nil, m, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := m.Run(ctx)
	return evs, m, err
}

// outputs returns the output lines, each as "[label] text".
func outputs(evs []Event) []string {
	var out []string
	for _, e := range evs {
		if e.Kind == EvOutput {
			out = append(out, e.String())
		}
	}
	return out
}

func dump(evs []Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "  %d %s\n", e.Kind, e)
	}
	return b.String()
}

// TestForkPrivateAndShared is product.md §4's fork program: with
// MAP_PRIVATE the child prints c and the parent p; with MAP_SHARED, after
// waitpid, both print the value of the last writer.
func TestForkPrivateAndShared(t *testing.T) {
	const private = `
char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
pid_t pid = fork();
if (pid == 0) { p[0] = 'c'; } else { p[0] = 'p'; }
printf("%c\n", p[0]);        // [child 812] c   [parent 811] p
`
	evs, m, err := run(t, private)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, dump(evs))
	}
	procs := m.Processes()
	if len(procs) != 2 {
		t.Fatalf("%d processes, want parent and child", len(procs))
	}
	parent, child := procs[0].Pid(), procs[1].Pid()
	got := strings.Join(outputs(evs), "\n")
	want := fmt.Sprintf("[parent %d] p\n[child %d] c", parent, child)
	if got != want {
		t.Errorf("MAP_PRIVATE output:\n%s\nwant\n%s\nevents:\n%s", got, want, dump(evs))
	}

	shared := strings.Replace(private, "MAP_PRIVATE", "MAP_SHARED", 1)
	shared = strings.Replace(shared, "printf(", "if (pid != 0) waitpid(pid, NULL, 0);\nprintf(", 1)
	evs, m, err = run(t, shared)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, dump(evs))
	}
	procs = m.Processes()
	parent, child = procs[0].Pid(), procs[1].Pid()
	got = strings.Join(outputs(evs), "\n")
	// The parent writes first (it runs first in each round), the child
	// last; the parent prints after waiting for the child to end.
	want = fmt.Sprintf("[child %d] c\n[parent %d] c", child, parent)
	if got != want {
		t.Errorf("MAP_SHARED output:\n%s\nwant\n%s\nevents:\n%s", got, want, dump(evs))
	}
}

// TestSyntaxErrors: an error names line and column and shows the line with
// a caret; unsupported constructs name themselves; nothing is loaded.
func TestSyntaxErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"int x = 4\nint y = 5;", "line 2, column 1: expected ; after the declaration"},
		{"while (1) { }", "`while` loops are not supported"},
		{"int x = 1;\nx = y + 1;", "line 2, column 5: y is not declared"},
		{"frobnicate(1);", "unknown function frobnicate"},
		{"mmap(NULL, 4096);", "mmap takes 6 argument(s)"},
		{"int a[4];", "arrays are not supported"},
		{"double d = 1.5;", "floating-point"},
		{"x := 1;", "line 1, column 3: := is Go, not C"},
		{"int x = (1 ? 2 : 3);", "?: operator is not supported"},
		{"#define N 4\nint x = N;", "preprocessor lines other than #include"},
		{"int f(int a) { return a; }", "defining functions is not supported"},
		{"pid_t p = fork() + getpid();", "fork() must be the only call"},
		{"char c = 'ab';", "line 1, column 10: a character literal holds one character"},
		{"int x = 99999999999999999999999;", "does not fit"},
		{"{ int x = 1;", "never closed"},
		{"int *p = &x;", "& takes a variable's address only"},
		{"int x = 1; int *p = &x;", "& takes a variable's address only"},
		{"switch (1) { }", "`switch` is not supported"},
		{"struct s { int a; };", "structs are not supported"},
		{"int x = 1;\nint y = x +* 2;", "line 2, column 12: * and [] need a pointer, not the number 2"},
		{"int x = 1;\nx[0] = 2;", "x is an int"},
	}
	for _, c := range cases {
		m := New(nil, nil, Options{})
		err := m.Load(c.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: %v, want a SyntaxError", c.src, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n%v\nwant %q", c.src, err, c.want)
		}
		if !strings.Contains(err.Error(), "\n    ") || !strings.Contains(err.Error(), "^") {
			t.Errorf("%q: no line and caret in %q", c.src, err)
		}
		if len(m.code) != 0 {
			t.Errorf("%q: a failed load left code behind", c.src)
		}
	}
}

var _ = os.Getpid

// TestIncomplete: text that only ends too soon is marked so (the console
// waits for more lines); a real mistake is not.
func TestIncomplete(t *testing.T) {
	for src, want := range map[string]bool{
		"{ int x = 1;": true, "int x = 4": true, "if (1) {": true, "int x =": true,
		"while (1) { }": false, "int x = 1 1;": false, "frobnicate(1);": false,
	} {
		var se *SyntaxError
		if err := New(nil, nil, Options{}).Load(src); !errors.As(err, &se) || se.Incomplete != want {
			t.Errorf("%q: %v, Incomplete want %v", src, err, want)
		}
	}
}
