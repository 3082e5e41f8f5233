package mapping

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// This file reads /proc directly, independently of the package's own maps
// reader, so that tests check the kernel's view and not the engine's.

// procMapping is one line of /proc/<pid>/maps as the tests see it.
type procMapping struct {
	start, end uint64
	perms      string
	path       string
}

func procMaps(t *testing.T, pid int) []procMapping {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	var out []procMapping
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		lo, hi, _ := strings.Cut(f[0], "-")
		start, _ := strconv.ParseUint(lo, 16, 64)
		end, _ := strconv.ParseUint(hi, 16, 64)
		m := procMapping{start: start, end: end, perms: f[1]}
		if len(f) > 5 {
			// The path starts after the inode column; keep its spaces.
			idx := strings.Index(line, f[5])
			m.path = line[idx:]
		}
		out = append(out, m)
	}
	return out
}

// mappingAt returns the mapping containing addr, if any.
func mappingAt(t *testing.T, pid int, addr uint64) (procMapping, bool) {
	t.Helper()
	for _, m := range procMaps(t, pid) {
		if addr >= m.start && addr < m.end {
			return m, true
		}
	}
	return procMapping{}, false
}

// smapsOf returns the kB figures of the smaps entry starting at start.
func smapsOf(t *testing.T, pid int, start uint64) map[string]uint64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := strconv.FormatUint(start, 16) + "-"
	var fields map[string]uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.Contains(k, " ") && fields != nil {
			if n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
				fields[k] = n
			}
			continue
		}
		if fields != nil {
			return fields
		}
		if strings.HasPrefix(line, head) {
			fields = map[string]uint64{}
		}
	}
	if fields == nil {
		t.Fatalf("no smaps entry at 0x%x in process %d", start, pid)
	}
	return fields
}

func statusField(t *testing.T, pid int, key string) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return ""
}

// state is the one-letter process state (S, R, T, t, Z), or "" if gone.
func state(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(data)
	return strings.Fields(s[strings.LastIndex(s, ")")+1:])[0]
}

func wchan(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", pid))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// syscallOf is the number of the system call pid is blocked in, or -1.
func syscallOf(pid int) int {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
	n, err := strconv.Atoi(strings.Fields(string(data) + " x")[0])
	if err != nil {
		return -1
	}
	return n
}

// eventually polls cond every 5 ms for up to 3 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitBlockedIn waits until pid sleeps in system call nr.
func waitBlockedIn(t *testing.T, pid, nr int) {
	t.Helper()
	eventually(t, fmt.Sprintf("process %d to block in syscall %d", pid, nr), func() bool {
		return state(pid) == "S" && syscallOf(pid) == nr
	})
}

var (
	cBuildOnce sync.Map // name -> *cBuild
	cBuildDir  string
)

type cBuild struct {
	once sync.Once
	path string
	err  error
}

// buildC compiles one of the C programs in cPrograms (once per test run).
func buildC(t *testing.T, name string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed: the test needs a small C program as its subject")
	}
	v, _ := cBuildOnce.LoadOrStore(name, &cBuild{})
	b := v.(*cBuild)
	b.once.Do(func() {
		src := filepath.Join(cBuildDir, name+".c")
		b.path = filepath.Join(cBuildDir, name)
		if b.err = os.WriteFile(src, []byte(cPrograms[name]), 0o644); b.err != nil {
			return
		}
		out, err := exec.Command("gcc", "-O1", "-Wall", "-no-pie", "-o", b.path, src).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("gcc %s: %v\n%s", name, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// spawn starts argv under the engine and closes it at the end of the test.
func spawn(t *testing.T, argv []string, opts *SpawnOptions) *Tracee {
	t.Helper()
	tr, err := Spawn(argv, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

// spawnSleeper spawns `sleep infinity` and waits until it sleeps in pause.
func spawnSleeper(t *testing.T) *Tracee {
	t.Helper()
	tr := spawn(t, []string{"sleep", "infinity"}, nil)
	waitBlockedIn(t, tr.Pid(), sysPause)
	return tr
}

// pipeLines starts a goroutine reading lines from r into a channel.
func pipeLines(r *os.File) <-chan string {
	ch := make(chan string, 1<<16)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

// nextLine waits up to 3 s for a line.
func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("the subject closed its output")
		}
		return l
	case <-time.After(3 * time.Second):
		t.Fatal("no output from the subject")
	}
	return ""
}

// must returns a function that fails the test when an operation could not
// be made: must(t)(tr.Mmap(…)).
func must(t *testing.T) func(Call, error) Call {
	return func(c Call, err error) Call {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", c.Text, err)
		}
		return c
	}
}

// ok is like must and also fails the test unless the call succeeded.
func ok(t *testing.T) func(Call, error) Call {
	return func(c Call, err error) Call {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", c.Text, err)
		}
		if !c.Done || c.Failed() {
			t.Fatalf("%s failed: %s", c.Text, c)
		}
		return c
	}
}

// tracerProcess is the process (thread group) of pid's tracer, 0 if none:
// TracerPid names the tracing thread.
func tracerProcess(t *testing.T, pid int) int {
	t.Helper()
	tid, _ := strconv.Atoi(statusField(t, pid, "TracerPid"))
	if tid == 0 {
		return 0
	}
	tgid, _ := strconv.Atoi(statusField(t, tid, "Tgid"))
	return tgid
}
