package lessons

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"mapscope/mapping"
	"mapscope/mapping/csrc"
	"mapscope/procmaps"
)

// Every lesson runs here headless, from its first step to its last, in
// real subjects (`sleep infinity`, as in lab mode). After each step a check
// looks, through /proc, /dev/shm, the files and the step's events, for what
// the step's narration tells the class to look at.

// page is the page size the lessons (and the lecture) are written for.
const page = 4096

// stepCheck is what one step must show.
type stepCheck struct {
	// has is a piece of the step's code (of its narration, for a step
	// without code): it keeps the table in step with the lesson file.
	has string
	// fault, if set, is the fault the step must stop with ("SEGV_ACCERR").
	fault string
	// errno, if set, is the error a call of the step must fail with;
	// otherwise every call must succeed.
	errno string
	// check looks at the processes after the step.
	check func(l *lessonRun)
}

// lessonRun is a lesson being run in real subjects.
type lessonRun struct {
	t    *testing.T
	r    *Runner
	i    int // the index of the step just run
	step Step
	evs  []lessonEvent // what the step did
}

// lessonEvent is an event with the letter of the lesson's process.
type lessonEvent struct {
	process string
	csrc.Event
}

// lesson returns the built-in lesson name.
func lesson(t *testing.T, name string) Lesson {
	t.Helper()
	l, ok := Get(name)
	if !ok {
		t.Fatalf("no lesson %q", name)
	}
	return l
}

// walk runs lesson l step by step, with checks[i] after step i. Every step
// must have a check.
// env is the subjects' environment; nil: the test's.
func walk(t *testing.T, l Lesson, env []string, checks map[int]stepCheck) {
	t.Helper()
	if os.Getpagesize() != page {
		t.Skipf("the lessons are written for %d-byte pages; this system has %d", page, os.Getpagesize())
	}
	name := l.Name
	for i := range l.Steps {
		if _, ok := checks[i]; !ok {
			t.Fatalf("step %d (line %d) of %s has no check: %q", i, l.Steps[i].Line, name, l.Steps[i].Narration)
		}
	}
	if len(checks) != len(l.Steps) {
		t.Fatalf("%d checks for the %d steps of %s", len(checks), len(l.Steps), name)
	}
	probe, err := mapping.Spawn([]string{"sleep", "infinity"}, nil)
	if err != nil {
		t.Skipf("cannot spawn a traced subject: %v", err)
	}
	probe.Close()

	lr := &lessonRun{t: t}
	spawn := func() (mapping.Target, error) {
		var opts *mapping.SpawnOptions
		if env != nil {
			opts = &mapping.SpawnOptions{Env: env}
		}
		tr, err := mapping.Spawn([]string{"sleep", "infinity"}, opts)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { tr.Close() })
		if err := waitAsleep(tr.Pid()); err != nil {
			return nil, err
		}
		return tr, nil
	}
	lr.r = NewRunner(l, spawn, func(p string, e csrc.Event) { lr.evs = append(lr.evs, lessonEvent{p, e}) })
	for i, s := range l.Steps {
		c := checks[i]
		if text := s.Code + s.Narration; !strings.Contains(text, c.has) {
			t.Fatalf("step %d (line %d) of %s does not contain %q: are the checks in step with the lesson?\n%s", i, s.Line, name, c.has, text)
		}
		lr.i, lr.evs = i, nil
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound for a hang, not a timing assumption
		step, err := lr.r.Step(ctx)
		cancel()
		lr.step = step
		if c.fault != "" {
			var re *csrc.RuntimeError
			if !errors.As(err, &re) || !strings.Contains(re.Msg, c.fault) {
				lr.fatalf("the step returned %v, want the fault %s", err, c.fault)
			}
			if f := lr.kind(csrc.EvFault); len(f) != 1 || !strings.Contains(f[0].Text, c.fault) {
				lr.errorf("fault events %v, want one with %s", f, c.fault)
			}
		} else if err != nil {
			lr.fatalf("%v\n%s", err, lr.dump())
		}
		for _, e := range lr.kind(csrc.EvError) {
			lr.errorf("runtime error: %s", e.Text)
		}
		for _, e := range lr.kind(csrc.EvCall) {
			if e.Call.Failed() && e.Call.ErrnoName() != c.errno {
				lr.errorf("%s failed: %s", e.Text, e.Call.ErrnoName())
			}
		}
		if s.Code == "" && len(lr.evs) > 0 {
			lr.errorf("a step without code did something:\n%s", lr.dump())
		}
		c.check(lr)
	}
	if lr.r.Next() != len(l.Steps) {
		t.Errorf("the runner is at step %d of %d", lr.r.Next(), len(l.Steps))
	}
}

// waitAsleep waits until a freshly spawned sleep has finished starting
// (ld.so, libc, the locale) and sleeps, so that the table a step shows is
// the one the lesson made: Spawn returns as soon as the process is seized
// after exec, when it has a dozen mappings of its ~30. Starting never puts
// it in state S; sleeping (pause or nanosleep) does.
func waitAsleep(pid int) error {
	// 10 s: a bound for a hang, not a timing assumption.
	if state := procmaps.WaitAsleep("/proc", pid, 10*time.Second); state != "S" {
		return fmt.Errorf("sleep %d did not fall asleep: its state is %q", pid, state)
	}
	return nil
}

// environments runs f in the test's environment and in an almost empty
// one (no locale: sleep maps no locale files, so a new anonymous mapping
// lands next to another one and the kernel may merge the two rows).
func environments(t *testing.T, f func(t *testing.T, env []string)) {
	t.Run("environment", func(t *testing.T) { f(t, nil) })
	t.Run("no locale", func(t *testing.T) { f(t, []string{"PATH=" + os.Getenv("PATH")}) })
}

func (l *lessonRun) where() string {
	return fmt.Sprintf("step %d (line %d)", l.i, l.step.Line)
}

func (l *lessonRun) errorf(format string, args ...any) {
	l.t.Helper()
	l.t.Errorf("%s: %s", l.where(), fmt.Sprintf(format, args...))
}

func (l *lessonRun) fatalf(format string, args ...any) {
	l.t.Helper()
	l.t.Fatalf("%s: %s", l.where(), fmt.Sprintf(format, args...))
}

// dump is the step's events, one per line.
func (l *lessonRun) dump() string {
	var b strings.Builder
	for _, e := range l.evs {
		fmt.Fprintf(&b, "  %s %s\n", e.process, e.String())
	}
	return b.String()
}

// kind returns the step's events of one kind.
func (l *lessonRun) kind(k csrc.EventKind) []lessonEvent {
	var out []lessonEvent
	for _, e := range l.evs {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// pid is the PID of process "A" or "B".
func (l *lessonRun) pid(process string) int {
	l.t.Helper()
	t := l.r.Target(process)
	if t == nil {
		l.fatalf("process %s has not started", process)
	}
	return t.Pid()
}

// notStarted checks that no subject runs yet: narration comes first.
func (l *lessonRun) notStarted() {
	l.t.Helper()
	if l.r.Target("A") != nil || l.r.Target("B") != nil {
		l.errorf("a subject started before any step with code")
	}
}

// calls returns the step's calls of the named function.
func (l *lessonRun) calls(name string) []mapping.Call {
	var out []mapping.Call
	for _, e := range l.kind(csrc.EvCall) {
		if e.Call.Name == name {
			out = append(out, e.Call)
		}
	}
	return out
}

// result is the value the step's only call of name returned.
func (l *lessonRun) result(name string) int64 {
	l.t.Helper()
	cs := l.calls(name)
	if len(cs) != 1 {
		l.fatalf("%d calls of %s, want 1:\n%s", len(cs), name, l.dump())
	}
	return cs[0].Value()
}

// lastMmap is the address the step's last successful mmap returned.
func (l *lessonRun) lastMmap() uint64 {
	l.t.Helper()
	cs := l.calls("mmap")
	for i := len(cs) - 1; i >= 0; i-- {
		if !cs[i].Failed() {
			return cs[i].Addr()
		}
	}
	l.fatalf("no mmap succeeded in the step:\n%s", l.dump())
	return 0
}

// out is what process pid printed in the step, line by line.
func (l *lessonRun) out(pid int) []string {
	var out []string
	for _, e := range l.kind(csrc.EvOutput) {
		if e.Pid == pid {
			out = append(out, e.Text)
		}
	}
	return out
}

// printed checks that pid printed exactly want in the step.
func (l *lessonRun) printed(pid int, want ...string) {
	l.t.Helper()
	if got := l.out(pid); !slices.Equal(got, want) {
		l.errorf("process %d printed %q, want %q\n%s", pid, got, want, l.dump())
	}
}

// maps reads /proc/pid/maps.
func (l *lessonRun) maps(pid int) []procmaps.Mapping {
	l.t.Helper()
	snap, _, err := procmaps.NewSource("/proc", pid).Read()
	if err != nil {
		l.fatalf("reading the maps of %d: %v", pid, err)
	}
	return snap.Mappings
}

// find returns the mapping of pid that contains addr.
func (l *lessonRun) find(pid int, addr uint64) (procmaps.Mapping, bool) {
	l.t.Helper()
	for _, m := range l.maps(pid) {
		if m.Contains(addr) {
			return m, true
		}
	}
	return procmaps.Mapping{}, false
}

// at returns the mapping of pid that contains addr, failing without one.
func (l *lessonRun) at(pid int, addr uint64) procmaps.Mapping {
	l.t.Helper()
	m, ok := l.find(pid, addr)
	if !ok {
		l.fatalf("no mapping of %d contains 0x%x", pid, addr)
	}
	return m
}

// row checks the mapping that contains [addr, addr+length): its perms,
// its path, and that it is exactly that range when exact is set (an
// anonymous private row may have merged with a neighbour).
func (l *lessonRun) row(pid int, addr, length uint64, perms, path string, exact bool) procmaps.Mapping {
	l.t.Helper()
	m := l.at(pid, addr)
	switch {
	case m.Perms.String() != perms || m.Path != path:
		l.errorf("the row of 0x%x is %s %q, want %s %q", addr, m.Perms, m.Path, perms, path)
	case m.End < addr+length:
		l.errorf("the row of 0x%x ends at 0x%x, before 0x%x", addr, m.End, addr+length)
	case exact && (m.Start != addr || m.End != addr+length):
		l.errorf("the row is %x-%x, want %x-%x", m.Start, m.End, addr, addr+length)
	}
	return m
}

// gone checks that no mapping of pid covers any of [addr, addr+length).
func (l *lessonRun) gone(pid int, addr, length uint64) {
	l.t.Helper()
	for _, m := range l.maps(pid) {
		if m.Start < addr+length && addr < m.End {
			l.errorf("%x-%x %s %s still covers 0x%x", m.Start, m.End, m.Perms, m.Path, addr)
		}
	}
}

// smaps reads the smaps entry of the mapping of pid that contains addr.
func (l *lessonRun) smaps(pid int, addr uint64) *procmaps.Smaps {
	l.t.Helper()
	sm, err := procmaps.ReadSmapsAt("/proc", pid, l.at(pid, addr).Start)
	if err != nil {
		l.fatalf("smaps of 0x%x: %v", addr, err)
	}
	return sm
}

// pages reads the pagemap entries of [addr, addr+n pages).
func (l *lessonRun) pages(pid int, addr uint64, n int) []procmaps.Page {
	l.t.Helper()
	ps, err := procmaps.ReadPagemap("/proc", pid, addr, n)
	if err != nil {
		l.fatalf("pagemap of 0x%x: %v", addr, err)
	}
	return ps
}

// rss is the resident size of [addr, addr+length): the smaps Rss of its
// row when the row is exactly that range, as the detail pane shows it;
// the present pages of the range otherwise (the row merged with a
// neighbour, whose pages are not the lesson's).
func (l *lessonRun) rss(pid int, addr, length uint64) uint64 {
	l.t.Helper()
	present := uint64(0)
	for _, p := range l.pages(pid, addr, int(length/page)) {
		if p.Present() {
			present += page
		}
	}
	if m := l.at(pid, addr); m.Start == addr && m.End == addr+length {
		if r := l.smaps(pid, addr).Bytes("Rss"); r != present {
			l.errorf("smaps Rss %d, but %d bytes of pages present", r, present)
		}
	} else {
		l.t.Logf("%s: the row of %x-%x is %x-%x: the kernel merged it with a neighbour", l.where(), addr, addr+length, m.Start, m.End)
	}
	return present
}

// dirty is the Dirty of the row that contains addr, shared and private.
func (l *lessonRun) dirty(pid int, addr uint64) uint64 {
	l.t.Helper()
	sm := l.smaps(pid, addr)
	return sm.Bytes("Shared_Dirty") + sm.Bytes("Private_Dirty")
}

// mem reads n bytes of pid at addr through /proc/pid/mem.
func (l *lessonRun) mem(pid int, addr uint64, n int) []byte {
	l.t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		l.fatalf("%v", err)
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := f.ReadAt(b, int64(addr)); err != nil {
		l.fatalf("reading %d bytes of %d at 0x%x: %v", n, pid, addr, err)
	}
	return b
}

// int32At reads a C int of pid.
func (l *lessonRun) int32At(pid int, addr uint64) int32 {
	l.t.Helper()
	return int32(binary.NativeEndian.Uint32(l.mem(pid, addr, 4)))
}

// cString reads a NUL-terminated string of pid at addr.
func (l *lessonRun) cString(pid int, addr uint64) string {
	l.t.Helper()
	b := l.mem(pid, addr, 64)
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// fds maps the open descriptors of pid to what they name.
func (l *lessonRun) fds(pid int) map[int]string {
	l.t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		l.fatalf("%v", err)
	}
	out := map[int]string{}
	for _, e := range entries {
		n, _ := strconv.Atoi(e.Name())
		if target, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil {
			out[n] = target
		}
	}
	return out
}

// fdsOn lists the descriptors of pid open on path.
func (l *lessonRun) fdsOn(pid int, path string) []int {
	l.t.Helper()
	var out []int
	for fd, target := range l.fds(pid) {
		if target == path {
			out = append(out, fd)
		}
	}
	slices.Sort(out)
	return out
}

// forked returns the child the step forked.
func (l *lessonRun) forked() *mapping.Tracee {
	l.t.Helper()
	fs := l.kind(csrc.EvFork)
	if len(fs) != 1 {
		l.fatalf("%d forks in the step, want 1:\n%s", len(fs), l.dump())
	}
	tr, ok := csrc.Target(fs[0].Child).(*mapping.Tracee)
	if !ok {
		l.fatalf("the child is a %T, not a Tracee", fs[0].Child)
	}
	return tr
}

// fileSize is the size of path, -1 when it does not exist.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// inodeOf is the inode number of path.
func inodeOf(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// sameRows compares two tables row by row.
func sameRows(a, b []procmaps.Mapping) bool {
	return slices.EqualFunc(a, b, func(x, y procmaps.Mapping) bool {
		return x.Start == y.Start && x.End == y.End && x.Perms == y.Perms && x.Offset == y.Offset &&
			x.Major == y.Major && x.Minor == y.Minor && x.Inode == y.Inode && x.Path == y.Path
	})
}

// smallFolios reports whether the kernel may give an anonymous fault a
// folio of a few pages at once (multi-size THP), so that touching one page
// of a small mapping can make several resident.
func smallFolios() bool {
	global, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	dirs, _ := filepath.Glob("/sys/kernel/mm/transparent_hugepage/hugepages-*kB")
	for _, d := range dirs {
		var kb int
		if _, err := fmt.Sscanf(filepath.Base(d), "hugepages-%dkB", &kb); err != nil || kb > 32 {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(d, "enabled"))
		if bytes.Contains(b, []byte("[always]")) || bytes.Contains(b, []byte("[inherit]")) && bytes.Contains(global, []byte("[always]")) {
			return true
		}
	}
	return false
}

// TestAllLessons: the seven lessons, in lecture order; every step has
// narration, is small, and all the code of a process loads in order (no
// syntax error, no undeclared name waits for a class).
func TestAllLessons(t *testing.T) {
	want := []string{"tour", "mmap", "protection", "file", "fork", "posix-shm", "anon-shared"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("lessons %q, want %q", got, want)
	}
	sentence := regexp.MustCompile(`[.!?](\s|$)`)
	for _, l := range All() {
		if l.Title == "" {
			t.Errorf("%s has no title", l.Name)
		}
		machines := map[string]*csrc.Machine{}
		code := 0
		for i, s := range l.Steps {
			where := fmt.Sprintf("%s step %d (line %d)", l.Name, i, s.Line)
			if s.Process != "A" && s.Process != "B" {
				t.Errorf("%s runs in process %q", where, s.Process)
			}
			if s.Narration == "" {
				t.Errorf("%s has no narration", where)
			}
			for _, para := range strings.Split(s.Narration, "\n\n") {
				if n := len(sentence.FindAllString(para, -1)); n > 3 {
					t.Errorf("%s: %d sentences in a paragraph, want at most 3: %q", where, n, para)
				}
			}
			if n := statements(s.Code); n > 3 {
				t.Errorf("%s has %d statements, want at most 3:\n%s", where, n, s.Code)
			}
			if s.Code == "" {
				continue
			}
			code++
			m := machines[s.Process]
			if m == nil {
				m = csrc.New(nil, nil, csrc.Options{})
				machines[s.Process] = m
			}
			if err := m.Load(s.Code); err != nil {
				t.Errorf("%s does not load:\n%v", where, err)
			}
		}
		if code == 0 {
			t.Errorf("%s runs no code", l.Name)
		}
	}
}

// statements counts the top-level statements of C code: semicolons and
// closing braces outside any parentheses or braces.
func statements(code string) int {
	n, paren, brace := 0, 0, 0
	for _, c := range code {
		switch c {
		case '(':
			paren++
		case ')':
			paren--
		case '{':
			brace++
		case '}':
			if brace--; brace == 0 {
				n++
			}
		case ';':
			if paren == 0 && brace == 0 {
				n++
			}
		}
	}
	return n
}

// TestLessonTour: each column the tour describes is there, as described,
// in the subject's /proc/PID/maps; the last step adds an anonymous row.
func TestLessonTour(t *testing.T) {
	t.Parallel()
	environments(t, func(t *testing.T, env []string) {
		var pid int
		var exe string
		var rows []procmaps.Mapping
		exeRows := func() []procmaps.Mapping {
			var out []procmaps.Mapping
			for _, m := range rows {
				if m.Path == exe {
					out = append(out, m)
				}
			}
			return out
		}
		perms := func(ms []procmaps.Mapping) []string {
			var out []string
			for _, m := range ms {
				out = append(out, m.Perms.String())
			}
			return out
		}
		walk(t, lesson(t, "tour"), env, map[int]stepCheck{
			0: {has: "getpid()", check: func(l *lessonRun) {
				pid = l.pid("A")
				if got := l.result("getpid"); got != int64(pid) {
					l.errorf("getpid() = %d in process %d", got, pid)
				}
				l.printed(pid, fmt.Sprintf("my pid is %d", pid))
				var err error
				if exe, err = os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err != nil {
					l.fatalf("%v", err)
				}
				rows = l.maps(pid)
			}},
			1: {has: "Each row of the table is one mapping", check: func(l *lessonRun) {
				text, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
				if err != nil {
					l.fatalf("%v", err)
				}
				if n := bytes.Count(text, []byte("\n")); n != len(rows) || n < 5 {
					l.errorf("%d lines in /proc/%d/maps, %d rows", n, pid, len(rows))
				}
			}},
			2: {has: "address range", check: func(l *lessonRun) {
				for i, m := range rows {
					if m.Start >= m.End || m.Start%page != 0 || m.End%page != 0 || i > 0 && rows[i-1].End > m.Start {
						l.errorf("row %x-%x: not a range of whole pages in order", m.Start, m.End)
					}
				}
			}},
			3: {has: "perms column", check: func(l *lessonRun) {
				valid := regexp.MustCompile(`^[r-][w-][x-][ps]$`)
				for _, m := range rows {
					if !valid.MatchString(m.Perms.String()) {
						l.errorf("perms %q", m.Perms)
					}
				}
			}},
			4: {has: "/usr/bin/sleep", check: func(l *lessonRun) {
				if filepath.Base(exe) != "sleep" {
					l.errorf("the program is %s, not sleep", exe)
				}
				ps := perms(exeRows())
				for _, want := range []string{"r-xp", "r--p", "rw-p"} {
					if !slices.Contains(ps, want) {
						l.errorf("the rows of %s are %v: no %s", exe, ps, want)
					}
				}
			}},
			5: {has: "offset column", check: func(l *lessonRun) {
				ms := exeRows()
				if len(ms) == 0 || ms[0].Offset != 0 {
					l.fatalf("the first row of %s does not start at offset 0: %v", exe, ms)
				}
				for _, m := range ms {
					if m.Perms.String() == "r-xp" && m.Offset == 0 {
						l.errorf("the code row of %s has offset 0", exe)
					}
				}
			}},
			6: {has: "dev and inode", check: func(l *lessonRun) {
				var st unix.Stat_t
				if err := unix.Stat(exe, &st); err != nil {
					l.fatalf("%v", err)
				}
				for _, m := range exeRows() {
					if m.Inode != st.Ino || m.Major != unix.Major(st.Dev) || m.Minor != unix.Minor(st.Dev) {
						l.errorf("row of %s: dev %s inode %d, the file is %d:%d inode %d", exe, m.Dev(), m.Inode, unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
					}
				}
				for _, m := range rows {
					if m.Path == "" && (m.Major != 0 || m.Minor != 0 || m.Inode != 0) {
						l.errorf("an anonymous row has dev %s inode %d", m.Dev(), m.Inode)
					}
				}
			}},
			7: {has: "[heap]", check: func(l *lessonRun) {
				for _, name := range []string{"[heap]", "[stack]", "[vdso]"} {
					if !slices.ContainsFunc(rows, func(m procmaps.Mapping) bool { return m.Path == name }) {
						l.errorf("no %s row", name)
					}
				}
			}},
			8: {has: "no path at all", check: func(l *lessonRun) {
				if !slices.ContainsFunc(rows, func(m procmaps.Mapping) bool { return m.Path == "" && m.Anonymous() }) {
					l.errorf("no anonymous row")
				}
			}},
			9: {has: "Rss", check: func(l *lessonRun) {
				all, err := procmaps.ReadAllSmaps("/proc", pid)
				if err != nil {
					l.fatalf("%v", err)
				}
				var rss, size uint64
				for _, sm := range all {
					if _, ok := sm.Get("Rss"); !ok {
						l.errorf("no Rss for %s", sm.Mapping.Path)
					}
					if r := sm.Bytes("Rss"); r > sm.Mapping.Size() {
						l.errorf("Rss %d of a %d-byte mapping", r, sm.Mapping.Size())
					}
					rss += sm.Bytes("Rss")
					size += sm.Mapping.Size()
				}
				if rss >= size {
					l.errorf("all of the address space is resident (%d of %d bytes)", rss, size)
				}
			}},
			10: {has: "mmap(NULL, 4096", check: func(l *lessonRun) {
				addr := l.lastMmap()
				m := l.row(pid, addr, page, "rw-p", "", false)
				if m.Offset != 0 || m.Major != 0 || m.Minor != 0 || m.Inode != 0 {
					l.errorf("the new row has offset %d, dev %s, inode %d", m.Offset, m.Dev(), m.Inode)
				}
				if len(l.maps(pid)) > len(rows)+1 {
					l.errorf("more than one new row")
				}
			}},
		})
	})
}

// TestLessonMmap: mapped is not resident — Rss 0 after mmap, one page
// after one write, all pages after the loop — and munmap removes the row.
func TestLessonMmap(t *testing.T) {
	t.Parallel()
	const length = 8 * page
	folios := smallFolios()
	environments(t, func(t *testing.T, env []string) {
		var pid int
		var p uint64
		walk(t, lesson(t, "mmap"), env, map[int]stepCheck{
			0: {has: "mmap asks the kernel", check: func(l *lessonRun) { l.notStarted() }},
			1: {has: "mmap(NULL, 8 * 4096", check: func(l *lessonRun) {
				pid, p = l.pid("A"), l.lastMmap()
				l.row(pid, p, length, "rw-p", "", false)
				if r := l.rss(pid, p, length); r != 0 {
					l.errorf("Rss %d right after mmap, want 0", r)
				}
			}},
			2: {has: "Rss is 0 kB", check: func(l *lessonRun) {
				for i, pg := range l.pages(pid, p, 8) {
					if pg.Present() {
						l.errorf("page %d is present before any access", i)
					}
				}
			}},
			3: {has: "p[0] = 'A'", check: func(l *lessonRun) {
				pgs := l.pages(pid, p, 8)
				if !pgs[0].Present() {
					l.errorf("the first page is not present after the write")
				}
				r := l.rss(pid, p, length)
				if r != page && !(folios && r > page) {
					l.errorf("Rss %d after touching one page, want %d", r, page)
				}
				if got := l.mem(pid, p, 1); got[0] != 'A' {
					l.errorf("p[0] is %q", got)
				}
			}},
			4: {has: "for (int i = 0; i < 8; i++)", check: func(l *lessonRun) {
				if n := len(l.kind(csrc.EvMemory)); n != 8 {
					l.errorf("%d writes logged, want 8", n)
				}
				if r := l.rss(pid, p, length); r != length {
					l.errorf("Rss %d after touching every page, want %d", r, length)
				}
				for i := range 8 {
					if got := l.mem(pid, p+uint64(i*page), 1); got[0] != byte('A'+i) {
						l.errorf("page %d holds %q, want %q", i, got, string(rune('A'+i)))
					}
				}
			}},
			5: {has: "printf", check: func(l *lessonRun) { l.printed(pid, "A H") }},
			6: {has: "munmap(p, 8 * 4096)", check: func(l *lessonRun) {
				if r := l.result("munmap"); r != 0 {
					l.errorf("munmap returned %d", r)
				}
				l.gone(pid, p, length)
			}},
		})
	})
}

// TestLessonProtection: mprotect splits the row in three (rw-p r--p rw-p,
// then ---p), reading the read-only page works, writing it is the
// SEGV_ACCERR fault, which changes no mapping and leaves the process.
func TestLessonProtection(t *testing.T) {
	t.Parallel()
	environments(t, func(t *testing.T, env []string) {
		var pid int
		var p uint64
		var before []procmaps.Mapping
		walk(t, lesson(t, "protection"), env, map[int]stepCheck{
			0: {has: "Every mapping has a protection", check: func(l *lessonRun) { l.notStarted() }},
			1: {has: "mmap(NULL, 3 * 4096", check: func(l *lessonRun) {
				pid, p = l.pid("A"), l.lastMmap()
				l.row(pid, p, 3*page, "rw-p", "", false)
			}},
			2: {has: "p[8192] = 'c'", check: func(l *lessonRun) {
				for i, want := range "abc" {
					if got := l.mem(pid, p+uint64(i*page), 1); got[0] != byte(want) {
						l.errorf("page %d holds %q, want %q", i, got, want)
					}
				}
			}},
			3: {has: "mprotect(p + 4096, 4096, PROT_READ)", check: func(l *lessonRun) {
				if l.at(pid, p).End != p+page || l.at(pid, p).Perms.String() != "rw-p" {
					l.errorf("the first page's row is %v, want rw-p ending at 0x%x", l.at(pid, p), p+page)
				}
				l.row(pid, p+page, page, "r--p", "", true)
				if m := l.at(pid, p+2*page); m.Start != p+2*page || m.Perms.String() != "rw-p" {
					l.errorf("the last page's row is %v, want rw-p starting at 0x%x", m, p+2*page)
				}
			}},
			4: {has: "printf(\"%c\\n\", p[4096])", check: func(l *lessonRun) { l.printed(pid, "b") }},
			5: {has: "PROT_NONE", check: func(l *lessonRun) {
				l.row(pid, p+page, page, "r--p", "", true)
				l.row(pid, p+2*page, page, "---p", "", true)
				before = l.maps(pid)
			}},
			6: {has: "p[4096] = 'x'", fault: "SEGV_ACCERR", check: func(l *lessonRun) {
				if !sameRows(l.maps(pid), before) {
					l.errorf("the fault changed the table")
				}
				if got := l.mem(pid, p+page, 1); got[0] != 'b' {
					l.errorf("the read-only page holds %q after the refused write", got)
				}
				if _, ended := l.r.Target("A").(*mapping.Tracee).Exited(); ended {
					l.errorf("the process ended")
				}
			}},
			7: {has: "a fault changes no mapping", check: func(l *lessonRun) {
				l.row(pid, p+page, page, "r--p", "", true)
				if got := l.mem(pid, p+page, 1); got[0] != 'b' {
					l.errorf("the read-only page holds %q", got)
				}
			}},
		})
	})
}

// renamed is lesson name with every string literal old changed to new, so
// that a test can run it without sharing a name (a file, a shm object)
// with another test binary that runs at the same time.
func renamed(t *testing.T, name, old, new string) Lesson {
	t.Helper()
	l := lesson(t, name)
	lit := strconv.Quote(old)
	if !strings.Contains(l.Source, lit) {
		t.Fatalf("the lesson %s does not use %s", name, lit)
	}
	r, err := Parse(l.Name, strings.ReplaceAll(l.Source, lit, strconv.Quote(new)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestLessonFile: MAP_SHARED writes reach the file and make the page
// dirty until msync; MAP_PRIVATE writes copy the page and leave the file;
// a read-only descriptor refuses PROT_WRITE + MAP_SHARED with EACCES but
// not MAP_PRIVATE; close keeps the rows, unlink marks them (deleted). The
// lesson runs on a file of this test binary's own, in the same directory.
func TestLessonFile(t *testing.T) {
	t.Parallel()
	lessonFile := fmt.Sprintf("/var/tmp/mapscope-lesson-%d.dat", os.Getpid())
	l := renamed(t, "file", "/var/tmp/mapscope-lesson.dat", lessonFile)
	os.Remove(lessonFile)
	t.Cleanup(func() { os.Remove(lessonFile) })
	var st unix.Statfs_t
	diskBacked := unix.Statfs(filepath.Dir(lessonFile), &st) == nil && st.Type != unix.TMPFS_MAGIC && st.Type != unix.RAMFS_MAGIC
	content := func(l *lessonRun, want string) {
		l.t.Helper()
		data, err := os.ReadFile(lessonFile)
		if err != nil || !bytes.HasPrefix(data, append([]byte(want), 0)) {
			l.errorf("%s holds %.20q (%v), want %q", lessonFile, data, err, want)
		}
	}
	var pid, fd, ro int
	var ino uint64
	var shared, priv, cp uint64
	var rows int
	walk(t, l, nil, map[int]stepCheck{
		0: {has: "mmap can map a file", check: func(l *lessonRun) {
			l.notStarted()
			if fileSize(t, lessonFile) != -1 {
				l.errorf("%s exists before the lesson creates it", lessonFile)
			}
		}},
		1: {has: "ftruncate(fd, 8192)", check: func(l *lessonRun) {
			pid, fd = l.pid("A"), int(l.result("open"))
			if n := fileSize(t, lessonFile); n != 2*page {
				l.errorf("%s has %d bytes, want %d", lessonFile, n, 2*page)
			}
			if got := l.fdsOn(pid, lessonFile); !slices.Equal(got, []int{fd}) {
				l.errorf("descriptors on the file %v, want [%d]", got, fd)
			}
			ino = inodeOf(t, lessonFile)
		}},
		2: {has: "MAP_SHARED, fd, 0", check: func(l *lessonRun) {
			shared = l.lastMmap()
			m := l.row(pid, shared, 2*page, "rw-s", lessonFile, true)
			if m.Inode != ino || m.Offset != 0 {
				l.errorf("the row has inode %d offset %d; the file's inode is %d", m.Inode, m.Offset, ino)
			}
		}},
		3: {has: `strcpy(shared, "hello, file")`, check: func(l *lessonRun) {
			content(l, "hello, file")
			if d := l.dirty(pid, shared); d != page {
				l.errorf("Dirty %d after the write, want %d", d, page)
			}
		}},
		4: {has: "msync(shared, 8192, MS_SYNC)", check: func(l *lessonRun) {
			if r := l.result("msync"); r != 0 {
				l.errorf("msync returned %d", r)
			}
			d := l.dirty(pid, shared)
			switch {
			case diskBacked && d != 0:
				l.errorf("Dirty %d after msync, want 0", d)
			case !diskBacked:
				t.Logf("%s is on tmpfs: Dirty stays %d after msync, as the narration says of tmpfs", filepath.Dir(lessonFile), d)
			}
		}},
		5: {has: "MAP_PRIVATE, fd, 0", check: func(l *lessonRun) {
			priv = l.lastMmap()
			l.row(pid, priv, 2*page, "rw-p", lessonFile, true)
			l.printed(pid, "hello, file")
		}},
		6: {has: `strcpy(priv, "private copy")`, check: func(l *lessonRun) {
			l.printed(pid, "hello, file")
			content(l, "hello, file")
			if got := l.cString(pid, priv); got != "private copy" {
				l.errorf("the private mapping reads %q", got)
			}
			if a := l.smaps(pid, priv).Bytes("Anonymous"); a != page {
				l.errorf("the private row has Anonymous %d, want %d (the copied page)", a, page)
			}
		}},
		7: {has: "O_RDONLY", check: func(l *lessonRun) {
			ro = int(l.result("open"))
			if got := l.fdsOn(pid, lessonFile); !slices.Equal(got, []int{fd, ro}) {
				l.errorf("descriptors on the file %v, want [%d %d]", got, fd, ro)
			}
			info, _ := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, ro))
			var flags int
			for _, line := range strings.Split(string(info), "\n") {
				if v, ok := strings.CutPrefix(line, "flags:"); ok {
					n, _ := strconv.ParseInt(strings.TrimSpace(v), 8, 64)
					flags = int(n)
				}
			}
			if flags&unix.O_ACCMODE != unix.O_RDONLY {
				l.errorf("descriptor %d has flags %o, not O_RDONLY", ro, flags)
			}
			rows = len(l.maps(pid))
		}},
		8: {has: "MAP_SHARED, ro, 0", errno: "EACCES", check: func(l *lessonRun) {
			cs := l.calls("mmap")
			if len(cs) != 1 || cs[0].Errno != unix.EACCES || !strings.HasSuffix(cs[0].String(), "= -1 EACCES (Permission denied)") {
				l.errorf("mmap calls %v, want one failing with EACCES", cs)
			}
			l.printed(pid, "mmap: Permission denied")
			if n := len(l.maps(pid)); n != rows {
				l.errorf("%d rows after the refused mmap, %d before", n, rows)
			}
		}},
		9: {has: "MAP_PRIVATE, ro, 0", check: func(l *lessonRun) {
			cp = l.lastMmap()
			l.row(pid, cp, 2*page, "rw-p", lessonFile, true)
			if got := l.cString(pid, cp); got != "mine" {
				l.errorf("the copy reads %q", got)
			}
			content(l, "hello, file")
		}},
		10: {has: "close(ro)", check: func(l *lessonRun) {
			if got := l.fdsOn(pid, lessonFile); len(got) != 0 {
				l.errorf("descriptors %v still open on the file", got)
			}
			for _, a := range []uint64{shared, priv, cp} {
				l.at(pid, a)
			}
		}},
		11: {has: "unlink(", check: func(l *lessonRun) {
			if fileSize(t, lessonFile) != -1 {
				l.errorf("%s still exists", lessonFile)
			}
			l.row(pid, shared, 2*page, "rw-s", lessonFile+" (deleted)", true)
			l.row(pid, priv, 2*page, "rw-p", lessonFile+" (deleted)", true)
			l.row(pid, cp, 2*page, "rw-p", lessonFile+" (deleted)", true)
		}},
		12: {has: "munmap(copy, 8192)", check: func(l *lessonRun) {
			for _, a := range []uint64{shared, priv, cp} {
				l.gone(pid, a, 2*page)
			}
		}},
	})
}

// TestLessonFork: the child inherits the table; after the child's writes
// the parent sees the shared page's 2 and keeps its private 1 (the private
// page is copied: different frames, when the kernel shows frames); waitpid
// returns once the child has exited.
func TestLessonFork(t *testing.T) {
	t.Parallel()
	environments(t, func(t *testing.T, env []string) {
		var pid, cpid int
		var child *mapping.Tracee
		var shared, priv uint64
		frame := func(l *lessonRun, pid int, addr uint64) uint64 {
			return l.pages(pid, addr, 1)[0].PFN()
		}
		walk(t, lesson(t, "fork"), env, map[int]stepCheck{
			0: {has: "fork() makes a copy", check: func(l *lessonRun) { l.notStarted() }},
			1: {has: "MAP_PRIVATE | MAP_ANONYMOUS", check: func(l *lessonRun) {
				pid = l.pid("A")
				cs := l.calls("mmap")
				if len(cs) != 2 {
					l.fatalf("%d mmaps, want 2", len(cs))
				}
				shared, priv = cs[0].Addr(), cs[1].Addr()
				if m := l.row(pid, shared, page, "rw-s", l.at(pid, shared).Path, true); !strings.HasPrefix(m.Path, "/dev/zero") {
					l.errorf("the shared anonymous row is named %q", m.Path)
				}
				l.row(pid, priv, page, "rw-p", "", false)
			}},
			2: {has: "*priv = 1", check: func(l *lessonRun) {
				for _, a := range []uint64{shared, priv} {
					if v := l.int32At(pid, a); v != 1 {
						l.errorf("0x%x holds %d, want 1", a, v)
					}
					if r := l.rss(pid, a, page); r != page {
						l.errorf("Rss of the page at 0x%x is %d, want %d", a, r, page)
					}
				}
			}},
			3: {has: "pid_t pid = fork()", check: func(l *lessonRun) {
				child = l.forked()
				cpid = child.Pid()
				var parentSaw, childSaw bool
				for _, e := range l.kind(csrc.EvCall) {
					if e.Call.Name != "fork" {
						continue
					}
					parentSaw = parentSaw || e.Pid == pid && e.Call.Value() == int64(cpid)
					childSaw = childSaw || e.Pid == cpid && e.Text == "fork() = 0"
				}
				if !parentSaw || !childSaw {
					l.errorf("the log does not show fork() = %d in the parent and fork() = 0 in the child:\n%s", cpid, l.dump())
				}
				if !sameRows(l.maps(pid), l.maps(cpid)) {
					l.errorf("the child's table differs from the parent's")
				}
				// The private page's entry is copied, pointing at the same
				// frame (copy-on-write); the child maps the shared page at its
				// first access, from the same object.
				if f, g := frame(l, pid, priv), frame(l, cpid, priv); f != g {
					l.errorf("right after fork the private page is in frame %d in the parent, %d in the child", f, g)
				}
			}},
			4: {has: "*priv = 2", check: func(l *lessonRun) {
				for _, e := range l.kind(csrc.EvMemory) {
					if e.Pid != cpid {
						l.errorf("process %d wrote: %s", e.Pid, e.Text)
					}
				}
				for _, c := range []struct {
					pid          int
					shared, priv int32
				}{{pid, 2, 1}, {cpid, 2, 2}} {
					if s, p := l.int32At(c.pid, shared), l.int32At(c.pid, priv); s != c.shared || p != c.priv {
						l.errorf("process %d holds shared %d, private %d; want %d, %d", c.pid, s, p, c.shared, c.priv)
					}
				}
				if f := frame(l, pid, shared); f != 0 && f != frame(l, cpid, shared) {
					l.errorf("the shared page is in different frames")
				}
				if f := frame(l, pid, priv); f != 0 && f == frame(l, cpid, priv) {
					l.errorf("the private page is still one frame (%d) after the child's write", f)
				}
			}},
			5: {has: "printf(\"shared %d, private %d\\n\"", check: func(l *lessonRun) {
				l.printed(pid, "shared 2, private 1")
				l.printed(cpid, "shared 2, private 2")
			}},
			6: {has: "waitpid(pid, NULL, 0)", check: func(l *lessonRun) {
				st, ended := child.Exited()
				if !ended || st.Code != 0 || st.Signal != 0 {
					l.errorf("the child: %v, ended %v; want exited with status 0", st, ended)
				}
				if r := l.result("waitpid"); r != int64(cpid) {
					l.errorf("waitpid returned %d, want %d", r, cpid)
				}
				if len(l.kind(csrc.EvExit)) != 1 {
					l.errorf("no exit event:\n%s", l.dump())
				}
				if p := l.int32At(pid, priv); p != 1 {
					l.errorf("the parent's private page holds %d, want 1", p)
				}
			}},
		})
	})
}

// TestLessonPosixShm: the five steps of the lifecycle seen in /dev/shm,
// the fd table and the maps; process B, another subject, reads 42; after
// shm_unlink the name is gone, the rows say (deleted) and still read 42.
//
// The lesson names the object /my_data, as the lecture does; so does
// package csrc's TestLecturePosixShm, which go test ./... runs at the same
// time in another test binary. So the lesson runs here with that name
// changed to one of this test binary's own, and the lecture's lines are
// checked as text.
func TestLessonPosixShm(t *testing.T) {
	t.Parallel()
	l := lesson(t, "posix-shm")
	var a0, b0 []string
	for _, s := range l.Steps {
		if s.Process == "A" {
			a0 = append(a0, s.Code)
		} else {
			b0 = append(b0, s.Code)
		}
	}
	codeA, codeB := strings.Join(a0, "\n"), strings.Join(b0, "\n")
	for _, line := range []string{
		`int fd = shm_open("/my_data", O_CREAT | O_RDWR, 0666);`,
		`ftruncate(fd, 1024);`,
		`int* shared_data = (int*)mmap(NULL, 1024, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);`,
		`close(fd);`,
		`*shared_data = 42;`,
		`shm_unlink("/my_data");`,
	} {
		if !strings.Contains(codeA, line) {
			t.Errorf("process A of the lesson lacks the lecture's line %s", line)
		}
	}
	if !strings.Contains(codeB, `shm_open("/my_data", O_RDWR, 0666)`) {
		t.Errorf("process B of the lesson does not open /my_data")
	}
	name := fmt.Sprintf("/mapscope-lesson-%d", os.Getpid())
	shmObject := "/dev/shm" + name
	os.Remove(shmObject)
	t.Cleanup(func() { os.Remove(shmObject) })
	var a, b int
	var ino uint64
	var sa, sb uint64
	walk(t, renamed(t, "posix-shm", "/my_data", name), nil, map[int]stepCheck{
		0: {has: "five steps", check: func(l *lessonRun) {
			l.notStarted()
			if fileSize(t, shmObject) != -1 {
				l.errorf("%s exists before the lesson", shmObject)
			}
		}},
		1: {has: `shm_open("` + name + `", O_CREAT | O_RDWR, 0666)`, check: func(l *lessonRun) {
			a = l.pid("A")
			fd := int(l.result("shm_open"))
			if n := fileSize(t, shmObject); n != 0 {
				l.errorf("%s has size %d, want a new, empty object", shmObject, n)
			}
			if got := l.fdsOn(a, shmObject); !slices.Equal(got, []int{fd}) {
				l.errorf("descriptors on the object %v, want [%d]", got, fd)
			}
			ino = inodeOf(t, shmObject)
		}},
		2: {has: "ftruncate(fd, 1024)", check: func(l *lessonRun) {
			if n := fileSize(t, shmObject); n != 1024 {
				l.errorf("%s has size %d, want 1024", shmObject, n)
			}
		}},
		3: {has: "int* shared_data = (int*)mmap(NULL, 1024", check: func(l *lessonRun) {
			sa = l.lastMmap()
			if m := l.row(a, sa, page, "rw-s", shmObject, true); m.Inode != ino {
				l.errorf("the row's inode %d is not the object's %d", m.Inode, ino)
			}
		}},
		4: {has: "close(fd)", check: func(l *lessonRun) {
			if got := l.fdsOn(a, shmObject); len(got) != 0 {
				l.errorf("descriptors %v still open on the object", got)
			}
			l.row(a, sa, page, "rw-s", shmObject, true)
		}},
		5: {has: "*shared_data = 42", check: func(l *lessonRun) {
			data, err := os.ReadFile(shmObject)
			if err != nil || len(data) != 1024 || binary.NativeEndian.Uint32(data) != 42 {
				l.errorf("the object holds %.8v (%v), want 42 in its first int", data, err)
			}
		}},
		6: {has: `shm_open("` + name + `", O_RDWR, 0666)`, check: func(l *lessonRun) {
			if l.step.Process != "B" {
				l.errorf("the step runs in process %s, want B", l.step.Process)
			}
			b = l.pid("B")
			if b == a {
				l.fatalf("process B is process A")
			}
			for _, e := range l.evs {
				if e.process != "B" || e.Pid != b {
					l.errorf("an event of process %s (%d) in B's step: %s", e.process, e.Pid, e.Text)
				}
			}
			if got := l.fdsOn(b, shmObject); len(got) != 1 || int64(got[0]) != l.result("shm_open") {
				l.errorf("B's descriptors on the object: %v", got)
			}
		}},
		7: {has: "close(fd)", check: func(l *lessonRun) {
			sb = l.lastMmap()
			if m := l.row(b, sb, page, "rw-s", shmObject, true); m.Inode != ino {
				l.errorf("B's row has inode %d, the object %d", m.Inode, ino)
			}
			if got := l.fdsOn(b, shmObject); len(got) != 0 {
				l.errorf("B still has descriptors %v on the object", got)
			}
		}},
		8: {has: "printf(\"%d\\n\", *shared_data)", check: func(l *lessonRun) {
			l.printed(b, "42")
			l.printed(a)
		}},
		9: {has: `shm_unlink("` + name + `")`, check: func(l *lessonRun) {
			if l.step.Process != "A" {
				l.errorf("the step runs in process %s, want A", l.step.Process)
			}
			if fileSize(t, shmObject) != -1 {
				l.errorf("%s still exists after shm_unlink", shmObject)
			}
			l.row(a, sa, page, "rw-s", shmObject+" (deleted)", true)
			l.row(b, sb, page, "rw-s", shmObject+" (deleted)", true)
		}},
		10: {has: "printf(\"%d\\n\", *shared_data)", check: func(l *lessonRun) {
			l.printed(a, "42")
			if v := l.int32At(b, sb); v != 42 {
				l.errorf("B's mapping holds %d after shm_unlink", v)
			}
		}},
		11: {has: "kernel persistence", check: func(l *lessonRun) {
			if fileSize(t, shmObject) != -1 {
				l.errorf("%s is back", shmObject)
			}
			l.row(a, sa, page, "rw-s", shmObject+" (deleted)", true)
			l.row(b, sb, page, "rw-s", shmObject+" (deleted)", true)
		}},
	})
}

// shmInodes lists the inodes of the entries of /dev/shm.
func shmInodes(t *testing.T) map[uint64]string {
	t.Helper()
	entries, err := os.ReadDir("/dev/shm")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	out := map[uint64]string{}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			out[fi.Sys().(*syscall.Stat_t).Ino] = e.Name()
		}
	}
	return out
}

// TestLessonAnonShared: the MAP_SHARED | MAP_ANONYMOUS page is inherited
// (same object in parent and child), the child's 42 is read by the parent
// after waitpid, and no /dev/shm entry is ever behind it.
func TestLessonAnonShared(t *testing.T) {
	t.Parallel()
	environments(t, func(t *testing.T, env []string) {
		var pid int
		var child *mapping.Tracee
		var addr, ino uint64
		noShm := func(l *lessonRun) {
			l.t.Helper()
			if name, ok := shmInodes(t)[ino]; ok {
				l.errorf("/dev/shm/%s is the shared anonymous page's object", name)
			}
			for _, m := range l.maps(pid) {
				if strings.HasPrefix(m.Path, "/dev/shm/") {
					l.errorf("the process maps %s", m.Path)
				}
			}
		}
		walk(t, lesson(t, "anon-shared"), env, map[int]stepCheck{
			0: {has: "without any name", check: func(l *lessonRun) { l.notStarted() }},
			1: {has: "MAP_SHARED | MAP_ANONYMOUS, -1, 0", check: func(l *lessonRun) {
				pid, addr = l.pid("A"), l.lastMmap()
				m := l.row(pid, addr, page, "rw-s", l.at(pid, addr).Path, true)
				if !strings.HasPrefix(m.Path, "/dev/zero") || !m.Deleted() {
					l.errorf("the row is named %q, want /dev/zero (deleted)", m.Path)
				}
				ino = m.Inode
				noShm(l)
			}},
			2: {has: "pid_t pid = fork()", check: func(l *lessonRun) {
				child = l.forked()
				if m := l.row(child.Pid(), addr, page, "rw-s", l.at(pid, addr).Path, true); m.Inode != ino {
					l.errorf("the child's row has inode %d, the parent's %d", m.Inode, ino)
				}
			}},
			3: {has: "waitpid(pid, NULL, 0)", check: func(l *lessonRun) {
				if st, ended := child.Exited(); !ended || st.Code != 0 {
					l.errorf("the child: %v, ended %v", st, ended)
				}
				if r := l.result("waitpid"); r != int64(child.Pid()) {
					l.errorf("waitpid returned %d", r)
				}
				if v := l.int32At(pid, addr); v != 42 {
					l.errorf("the parent's page holds %d", v)
				}
			}},
			4: {has: "printf", check: func(l *lessonRun) { l.printed(pid, "42") }},
			5: {has: "munmap(shared, 4096)", check: func(l *lessonRun) {
				l.gone(pid, addr, page)
				noShm(l)
			}},
		})
	})
}
