package csrc

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// runFake runs src on the in-memory fake process.
func runFake(t testing.TB, src string, opts Options) ([]Event, *Machine, error) {
	var evs []Event
	m := New(newFake(), func(e Event) { evs = append(evs, e) }, opts)
	if err := m.Load(src); err != nil {
		return nil, m, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return evs, m, m.Run(ctx)
}

func outText(evs []Event) string {
	var lines []string
	for _, e := range evs {
		if e.Kind == EvOutput {
			lines = append(lines, e.Text)
		}
	}
	return strings.Join(lines, "\n")
}

// TestExpressions checks C arithmetic, conversions and printf.
func TestExpressions(t *testing.T) {
	cases := []struct{ src, want string }{
		{`printf("%d %d %d\n", 7 / 2, -7 / 2, -7 % 2);`, "3 -3 -1"},
		{`printf("%d\n", 1 + 2 * 3 - 4);`, "3"},
		{`printf("%x %o %X\n", 255, 8, 0xabc);`, "ff 10 ABC"},
		{`printf("%d\n", 0666);`, "438"},
		{`int x = 0x7fffffff; x = x + 1; printf("%d\n", x);`, "-2147483648"},
		{`unsigned int u = 0; u = u - 1; printf("%u\n", u);`, "4294967295"},
		{`long l = 1; l = l << 40; printf("%ld\n", l);`, "1099511627776"},
		{`char c = 200; printf("%d\n", c);`, "-56"},
		{`printf("%c%c\n", 'h', 105);`, "hi"},
		{`printf("[%5d|%-3s|%03d|%%]\n", 42, "a", 7);`, "[   42|a  |007|%]"},
		{`printf("%s\n", "lit" "eral");`, "literal"},
		{`printf("%d %d %d\n", 3 > 2, 2 > 3, !0);`, "1 0 1"},
		{`printf("%d\n", (1 | 2) & ~1);`, "2"},
		{`printf("%lu\n", sizeof(long) + sizeof(int) + sizeof(char));`, "13"},
		{`int i; int s = 0; for (i = 0; i < 10; i++) s += i; printf("%d\n", s);`, "45"},
		{`int s = 0; for (int i = 0; i < 3; i++) { if (i == 1) { s = s + 10; } else s++; } printf("%d\n", s);`, "12"},
		{`printf("%p %p\n", NULL, (void*)4096);`, "(nil) 0x1000"},
		{`void* p = MAP_FAILED; printf("%d\n", p == MAP_FAILED);`, "1"},
		{`char* p = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); if (p == MAP_FAILED) perror("mmap");`, "mmap: Invalid argument"},
		{`int* q = (int*)-1; printf("%d\n", q == MAP_FAILED);`, "1"},
		{`printf("%d\n", PROT_READ | PROT_WRITE);`, "3"},
		{`printf("%d %d\n", 1 && 0, 0 || 5);`, "0 1"},
		{`int x = 5; x *= 3; x -= 1; x /= 2; x %= 4; printf("%d\n", x);`, "3"},
		{`char* s = "abc"; printf("%c %lu\n", s[1], strlen(s));`, "b 3"},
		{`int* p = (int*)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		  p[1] = 7; *(p + 2) = 8; printf("%d %d %d\n", p[0], p[1], *(p + 2));
		  char* c = (char*)p; printf("%d\n", c[4]);
		  long d = (char*)(p + 3) - (char*)p; printf("%ld\n", d);`, "0 7 8\n7\n12"},
		{`char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		  strcpy(p, "hello"); memset(p + 1, 'a', 2); printf("%s %lu\n", p, strlen(p));`, "haalo 5"},
		{`int fd = open("/nonexistent/x", O_RDONLY); if (fd == -1) perror("open");`, "open: No such file or directory"},
		{`int main(void) { printf("in main\n"); return 0; }`, "in main"},
		{`int fd = open("/nonexistent", O_RDONLY); if (errno == ENOENT) printf("ENOENT %d\n", errno); errno = 0; printf("%d\n", errno);`, "ENOENT 2\n0"},
	}
	for _, c := range cases {
		evs, _, err := runFake(t, c.src, Options{})
		if err != nil {
			t.Errorf("%s:\n%v", c.src, err)
			continue
		}
		if got := outText(evs); got != c.want {
			t.Errorf("%s:\ngot  %q\nwant %q", c.src, got, c.want)
		}
	}
}

// TestRuntimeFaults: a NULL dereference, a store into a read-only page and
// an index past the mapping report the SIGSEGV the process would get, stop
// the program in that process only, and return a RuntimeError.
func TestRuntimeFaults(t *testing.T) {
	cases := []struct{ src, want string }{
		{`int* p = NULL; *p = 1;`, "SEGV_MAPERR"},
		{`char* p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); p[0] = 'x';`, "SEGV_ACCERR"},
		{`char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); p[4096] = 'x';`, "SEGV_MAPERR"},
		{`int x = 0; int y = 1 / x;`, "SIGFPE"},
		{`printf("%s\n", NULL);`, "SEGV_MAPERR"},
	}
	for _, c := range cases {
		evs, _, err := runFake(t, c.src+"\nprintf(\"after\\n\");", Options{})
		var re *RuntimeError
		if !errors.As(err, &re) || !strings.Contains(re.Msg, c.want) {
			t.Errorf("%s: %v, want a RuntimeError with %s", c.src, err, c.want)
		}
		if strings.Contains(outText(evs), "after") {
			t.Errorf("%s: the program went on after the fault", c.src)
		}
		faults := 0
		for _, e := range evs {
			if e.Kind == EvFault {
				faults++
			}
		}
		if faults != 1 {
			t.Errorf("%s: %d fault events, want 1", c.src, faults)
		}
	}
}

// TestForkSemantics on the fake: every later statement runs in each
// process; loops fork as C does (2 forks in a loop: 4 processes); each has
// its own variables; private pages are copied, shared ones shared.
func TestForkSemantics(t *testing.T) {
	evs, m, err := runFake(t, `
int n = 0;
for (int i = 0; i < 2; i++) {
    fork();
    n++;
}
printf("%d\n", n);`, Options{ExitAtEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Processes()) != 4 {
		t.Errorf("%d processes after two forks in a loop, want 4", len(m.Processes()))
	}
	if got := outText(evs); got != "2\n2\n2\n2" {
		t.Errorf("each process counts its own n: got %q", got)
	}

	evs, _, err = runFake(t, `
int* s = (int*)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
int* p = (int*)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
pid_t pid = fork();
if (pid == 0) { *s = 1; *p = 1; exit(3); }
int status = 0;
waitpid(pid, &status, 0);
printf("%d %d %d %d\n", *s, *p, WIFEXITED(status), WEXITSTATUS(status));`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := outText(evs); got != "1 0 1 3" {
		t.Errorf("after the child's writes and exit(3): %q, want shared 1, private 0, exited with 3", got)
	}
	labels := map[string]bool{}
	for _, e := range evs {
		labels[strings.Fields(e.Label)[0]] = true
	}
	if !labels["parent"] || !labels["child"] {
		t.Errorf("labels %v, want parent and child", labels)
	}
}

// TestBoundedLoops: a loop that would run forever stops with an error.
func TestBoundedLoops(t *testing.T) {
	_, _, err := runFake(t, `for (;;) { }`, Options{MaxSteps: 10000})
	var re *RuntimeError
	if !errors.As(err, &re) || !strings.Contains(re.Msg, "endless") {
		t.Errorf("endless loop: %v", err)
	}
}

// TestWaitWithoutChildren: wait with no child is -1 ECHILD, at once.
func TestWaitWithoutChildren(t *testing.T) {
	evs, _, err := runFake(t, `int r = wait(NULL); if (r == -1) perror("wait");`, Options{})
	if err != nil || outText(evs) != "wait: No child processes" {
		t.Errorf("wait without children: %v, %q", err, outText(evs))
	}
}

// TestConsoleKeepsState: statements loaded one by one continue the same
// program, variables included, in every live process.
func TestConsoleKeepsState(t *testing.T) {
	var evs []Event
	m := New(newFake(), func(e Event) { evs = append(evs, e) }, Options{})
	for _, line := range []string{`int x = 1;`, `pid_t pid = fork();`, `x = x + (pid == 0);`, `printf("%d\n", x);`} {
		if err := m.Load(line); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := outText(evs); got != "1\n2" {
		t.Errorf("output %q, want the parent's 1 and the child's 2", got)
	}
	if err := m.Load(`y = 2;`); err == nil || !strings.Contains(err.Error(), "y is not declared") {
		t.Errorf("an undeclared name in a later line: %v", err)
	}
	// After a fault the process is untouched: the next lines run in it.
	evs = nil
	for _, line := range []string{`int* bad = NULL; *bad = 1;`, `printf("still here\n");`} {
		if err := m.Load(line); err != nil {
			t.Fatal(err)
		}
		m.Run(context.Background())
	}
	if got := outText(evs); got != "still here\nstill here" {
		t.Errorf("after a fault, the next line printed %q (want it in both processes)", got)
	}
}

// FuzzParse: no input makes the parser panic or hang.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		lectureMmapSyntax, lectureMsync, lectureCreate, lectureMapAndUse, lectureUnlink, lectureAnonymous,
		`int x = 1; for (int i = 0; i < 3; i++) { if (x) x++; else x--; }`,
		`char c = '\0'; char* s = "a\x41\101\n";`, `int main(void) { return 0; }`, `(((((`, `'`, `"`, `/*`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		m := New(nil, nil, Options{})
		err := m.Load(src)
		var se *SyntaxError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("Load returned %T, not a SyntaxError: %v", err, err)
		}
	})
}

// FuzzRun: no program makes the interpreter panic or run unbounded, on the
// fake engine.
func FuzzRun(f *testing.F) {
	for _, s := range []string{
		lectureAnonymous + "\n*(int*)addr = 42; printf(\"%d\\n\", *(int*)addr);",
		`char* p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); pid_t pid = fork(); if (pid == 0) { p[0] = 'c'; } else { p[0] = 'p'; } printf("%c\n", p[0]);`,
		`int s = 0; for (int i = 0; i < 100; i++) s += i * i; printf("%d %x %s\n", s, s, "x");`,
		`int st; pid_t c = fork(); if (c == 0) exit(1); wait(&st); printf("%d\n", WEXITSTATUS(st));`,
		`long x = -9223372036854775807 - 1; printf("%ld\n", x / -1);`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var n int
		m := New(newFake(), func(Event) { n++ }, Options{MaxSteps: 2000, ExitAtEnd: true, WaitTimeout: 10 * time.Millisecond,
			Sleep: func(context.Context, time.Duration) {}})
		if m.Load(src) != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err := m.Run(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ran past 2 s:\n%s", src)
		}
		if len(m.Processes()) > 2001 {
			t.Fatalf("%d processes", len(m.Processes()))
		}
	})
}

// TestFromLog: a line copied from the call log runs the call again; code
// is left alone.
func TestFromLog(t *testing.T) {
	cases := map[string]string{
		"[811] mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) = 0x7f3a1c000000": "mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);",
		`[parent 811] open("/tmp/x", O_RDONLY) = -1 ENOENT (No such file or directory)`:                      `open("/tmp/x", O_RDONLY);`,
		"munmap(0x7f3a1c000000, 8192) = 0":    "munmap(0x7f3a1c000000, 8192);",
		"[child 812] exit(0) = ?":             "exit(0);",
		"int x = f(1);":                       "int x = f(1);",
		"x = 5;":                              "x = 5;",
		"if (fd == -1) perror(\"shm_open\");": "if (fd == -1) perror(\"shm_open\");",
	}
	for in, want := range cases {
		if got := FromLog(in); got != want {
			t.Errorf("FromLog(%q) = %q, want %q", in, got, want)
		}
	}
	// And the result runs.
	evs, _, err := runFake(t, FromLog("[999] mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) = 0x7f0000000000"), Options{})
	if err != nil || len(evs) != 1 || evs[0].Kind != EvCall {
		t.Errorf("a log line did not run as its call: %v %v", err, evs)
	}
}

// TestAdopt: a child forked outside the program (the f key) joins it with
// a copy of the parent's variables.
func TestAdopt(t *testing.T) {
	var evs []Event
	parent := newFake()
	m := New(parent, func(e Event) { evs = append(evs, e) }, Options{})
	if err := m.Load(`int x = 7;`); err != nil {
		t.Fatal(err)
	}
	m.Run(context.Background())
	child, _, _ := parent.Fork()
	if !m.Adopt(parent.Pid(), child) || m.Adopt(12345, child) {
		t.Fatal("Adopt took the wrong parent")
	}
	m.Load(`printf("%d\n", x + 1);`)
	m.Run(context.Background())
	if got := outText(evs); got != "8\n8" {
		t.Errorf("after adopting, the line ran as %q, want 8 in both", got)
	}
}
