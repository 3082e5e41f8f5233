package ui

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"mapscope/mapping"
	"mapscope/procmaps"
)

// driver runs a model the way the Bubble Tea runtime does, with real
// commands: each command runs in its own goroutine and its message is fed
// to Update when it arrives. Ticks are dropped: the tests ask for
// refreshes by acting, which is what they check (an action refreshes at
// once, not at the next tick).
type driver struct {
	t    *testing.T
	m    Model
	msgs chan tea.Msg
}

func newDriver(t *testing.T, m Model) *driver {
	d := &driver{t: t, m: m, msgs: make(chan tea.Msg, 256)}
	m, _ = send(t, d.m, tea.WindowSizeMsg{Width: 160, Height: 50})
	d.m = m
	d.run(readSnapshot(0, m.procs[0].src))
	d.run(waitExit(0, m.procs[0].target))
	return d
}

// run starts cmd (and what it batches) in the background.
func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				d.run(c)
			}
			return
		}
		d.msgs <- msg
	}()
}

// press types keys, each as tea names it, running their commands.
func (d *driver) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		m, cmd := send(d.t, d.m, keyMsg(k))
		d.m = m
		d.run(cmd)
	}
}

// typeText types s into the focused field, after clearing it.
func (d *driver) typeText(s string) {
	d.t.Helper()
	d.press("ctrl+u")
	for _, r := range s {
		d.press(string(r))
	}
}

// focus moves the open form's focus to the field called name.
func (d *driver) focus(name string) {
	d.t.Helper()
	for range 20 {
		if d.m.form == nil {
			d.t.Fatal("no form is open")
		}
		if d.m.form.fields[d.m.form.focus].name == name {
			return
		}
		d.press("tab")
	}
	d.t.Fatalf("form %s has no visible field %q", d.m.form.title, name)
}

// until feeds messages to the model until ok holds, failing after 10 s.
func (d *driver) until(what string, ok func(m Model) bool) {
	d.t.Helper()
	deadline := time.After(10 * time.Second)
	for !ok(d.m) {
		select {
		case msg := <-d.msgs:
			if _, tick := msg.(tickMsg); tick {
				continue
			}
			m, cmd := send(d.t, d.m, msg)
			d.m = m
			d.run(cmd)
		case <-deadline:
			d.t.Fatalf("timed out waiting for %s; status %q\n%s", what, d.m.status, plain(d.m))
		}
	}
}

// act opens a form with key, lets edit change it, checks that the preview
// is want (when want is not ""), runs it, and waits for its log entries.
// It returns them.
func (d *driver) act(key string, edit func(), want string) []logEntry {
	d.t.Helper()
	d.press(key)
	if d.m.form == nil {
		d.t.Fatalf("%s opened no form; status %q", key, d.m.status)
	}
	return d.submit(edit, want)
}

// submit edits the open form, checks its preview, runs it and returns the
// log entries it made.
func (d *driver) submit(edit func(), want string) []logEntry {
	d.t.Helper()
	if edit != nil {
		edit()
	}
	if d.m.form.act == nil {
		d.t.Fatalf("form %s is invalid: %s", d.m.form.title, d.m.form.firstError())
	}
	preview := d.m.form.act.text()
	if want != "" && preview != want {
		d.t.Errorf("preview\n%s\nwant\n%s", preview, want)
	}
	n := len(d.m.log)
	d.press("enter")
	d.until("the call's result", func(m Model) bool { return len(m.log) > n && !m.busy })
	entries := d.m.log[n:]
	// What the form previewed is what the log prints: line for line, for
	// calls whose arguments were known (a sequence's fd is shown as "fd").
	lines := strings.Split(preview, "\n")
	if len(lines) == len(entries) && !strings.Contains(preview, "fd") {
		for i, e := range entries {
			if e.text != lines[i] {
				d.t.Errorf("log %q differs from the preview %q", e.text, lines[i])
			}
		}
	} else if len(lines) != len(entries) && !entries[len(entries)-1].bad {
		d.t.Errorf("preview has %d calls, the log %d", len(lines), len(entries))
	}
	return entries
}

// refreshed waits until the tab on screen has read the maps after now.
func (d *driver) refreshed(what string, ok func(maps string) bool) {
	d.t.Helper()
	d.until(what, func(m Model) bool {
		p := m.p()
		return !p.reading && p.snap != nil && ok(mapsText(p.snap))
	})
}

// mapsText renders a snapshot back to maps lines (start-end perms path).
func mapsText(s *procmaps.Snapshot) string {
	var b strings.Builder
	for _, mp := range s.Mappings {
		fmt.Fprintf(&b, "%x-%x %s %s\n", mp.Start, mp.End, mp.Perms, mp.Path)
	}
	return b.String()
}

// procMaps reads /proc/<pid>/maps: the kernel's word, not the model's.
func procMaps(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatalf("read maps: %v", err)
	}
	return string(b)
}

// procMem reads n bytes of the process's memory through /proc/<pid>/mem.
func procMem(t *testing.T, pid int, addr uint64, n int) []byte {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatalf("open mem: %v", err)
	}
	defer f.Close()
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, int64(addr)); err != nil {
		t.Fatalf("read mem at %#x: %v", addr, err)
	}
	return buf
}

// procState returns the state letter of /proc/<pid>/stat, "" when gone.
func procState(pid int) string { return procmaps.ReadState("/proc", pid) }

// settledState waits up to 2 s for a process to be asleep (S) and returns
// its state then: a process just resumed from a call is briefly R or t.
func settledState(pid int) string { return procmaps.WaitAsleep("/proc", pid, 2*time.Second) }

// statusField returns a field of /proc/<pid>/status.
func statusField(t *testing.T, pid int, name string) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read status: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("status has no %s", name)
	return ""
}

// labModel spawns `sleep infinity` as a lab subject and returns a driver
// of a model acting on it.
func labModel(t *testing.T) (*driver, *mapping.Tracee) {
	t.Helper()
	tr, err := mapping.Spawn([]string{"sleep", "infinity"}, nil)
	if err != nil {
		t.Skipf("cannot spawn a traced subject: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	settledState(tr.Pid()) // loaded and asleep: its maps will not change by themselves
	m := New(Options{Root: "/proc", PID: tr.Pid(), Mode: ModeLab, Target: tr, Interval: time.Hour, Theme: "dark"})
	d := newDriver(t, m)
	d.refreshed("the first snapshot", func(string) bool { return true })
	return d, tr
}

func hexa(a uint64) string { return strconv.FormatUint(a, 16) }

// TestActionsInLabSubject drives the forms as a user would, against a real
// `sleep infinity`, and checks every result through /proc: the mapping the
// kernel reports, the bytes in the process's memory, the objects in
// /dev/shm. The subject must still be asleep at the end.
func TestActionsInLabSubject(t *testing.T) {
	d, tr := labModel(t)
	pid := tr.Pid()

	// mmap 8 KiB of shared anonymous memory. (Shared: the kernel merges a
	// new private anonymous mapping with a neighbour of the same kind,
	// which would make the exact ranges below depend on what lies next to
	// it; each shared anonymous mapping is an object of its own.)
	e := d.act("m", func() {
		d.focus("sharing")
		d.press("right")
	}, "mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)")
	addr := e[0].addr
	if e[0].bad || addr == 0 {
		t.Fatalf("mmap failed: %v", e[0])
	}
	if !strings.Contains(procMaps(t, pid), fmt.Sprintf("%s-%s rw-s", hexa(addr), hexa(addr+8192))) {
		t.Fatalf("the kernel shows no 8 KiB rw-p mapping at %#x:\n%s", addr, procMaps(t, pid))
	}
	d.refreshed("the new mapping on screen", func(s string) bool { return strings.Contains(s, hexa(addr)+"-") })
	if mp, _, ok := d.m.table.selected(); !ok || mp.Start != addr {
		t.Errorf("the new mapping is not selected after mmap")
	}
	if mk, ok := d.m.p().hl.marks[addr]; !ok || mk.kind != markAdded {
		t.Errorf("the new mapping is not highlighted as added")
	}
	if !strings.Contains(plain(d.m), "= 0x"+hexa(addr)) {
		t.Errorf("the call log does not show the result on screen")
	}

	// mprotect the first page read-only: the mapping splits in two.
	d.act("p", func() {
		d.focus("length")
		d.typeText("4k")
		d.focus("prot")
		d.press("right", "space") // PROT_WRITE off
	}, fmt.Sprintf("mprotect(0x%s, 4096, PROT_READ)", hexa(addr)))
	maps := procMaps(t, pid)
	if !strings.Contains(maps, fmt.Sprintf("%s-%s r--s", hexa(addr), hexa(addr+4096))) ||
		!strings.Contains(maps, fmt.Sprintf("%s-%s rw-s", hexa(addr+4096), hexa(addr+8192))) {
		t.Fatalf("mprotect did not split the mapping:\n%s", maps)
	}
	d.refreshed("the split on screen", func(s string) bool { return strings.Contains(s, hexa(addr)+"-"+hexa(addr+4096)+" r--s") })

	if mk, ok := d.m.p().hl.marks[addr]; !ok || mk.kind != markChanged {
		t.Errorf("the split mapping is not marked as changed: %+v", d.m.p().hl.marks)
	}

	// A write into the read-only page is the SIGSEGV the process would get,
	// and changes nothing.
	e = d.act("w", func() {
		d.focus("address")
		d.typeText("0x" + hexa(addr))
	}, fmt.Sprintf(`strcpy((char*)0x%s, "hello")`, hexa(addr)))
	if !e[0].bad || !strings.Contains(e[0].result, "SIGSEGV (SEGV_ACCERR)") {
		t.Errorf("write to r--s: %v, want SIGSEGV (SEGV_ACCERR)", e[0])
	}
	if got := procMem(t, pid, addr, 6); !bytes.Equal(got, make([]byte, 6)) {
		t.Errorf("the refused write changed memory: %q", got)
	}
	// The same write into the writable page lands.
	e = d.act("w", func() {
		d.focus("address")
		d.typeText("0x" + hexa(addr+4096))
	}, "")
	if e[0].bad {
		t.Fatalf("write to rw-s failed: %v", e[0])
	}
	if got := procMem(t, pid, addr+4096, 6); string(got) != "hello\x00" {
		t.Errorf("memory after the write: %q", got)
	}
	// read shows it back.
	e = d.act("r", func() {
		d.focus("address")
		d.typeText("0x" + hexa(addr+4096))
	}, fmt.Sprintf("read 64 bytes at 0x%s", hexa(addr+4096)))
	if len(e[0].extra) == 0 || !strings.Contains(strings.Join(e[0].extra, "\n"), "68 65 6c 6c 6f 00") {
		t.Errorf("read shows %q", e[0].extra)
	}

	// munmap the whole region: both pieces go, and stay as ghosts.
	d.act("u", func() {
		d.focus("address")
		d.typeText("0x" + hexa(addr))
		d.focus("length")
		d.typeText("8k")
	}, fmt.Sprintf("munmap(0x%s, 8192)", hexa(addr)))
	if strings.Contains(procMaps(t, pid), hexa(addr)+"-") || strings.Contains(procMaps(t, pid), hexa(addr+4096)+"-") {
		t.Fatalf("munmap left the mapping:\n%s", procMaps(t, pid))
	}
	d.refreshed("the unmapped region gone", func(s string) bool { return !strings.Contains(s, hexa(addr)+"-") })
	if len(d.m.p().hl.ghosts) < 2 {
		t.Errorf("%d ghost rows after unmapping two pieces, want 2", len(d.m.p().hl.ghosts))
	}

	// The subject slept through it all. (Right after a call it may still
	// be on its way back into nanosleep: R for a moment.)
	if st := settledState(pid); st != "S" {
		t.Errorf("subject state %q after the actions, want S", st)
	}
}

// TestOpenModeConflict is the lecture's rule "the protection must not
// conflict with the open mode": a file opened O_RDONLY cannot be mapped
// PROT_WRITE + MAP_SHARED (EACCES, with the sentence why), but can be
// mapped MAP_PRIVATE.
func TestOpenModeConflict(t *testing.T) {
	d, tr := labModel(t)
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	e := d.act("o", func() {
		d.focus("call")
		d.press("right") // open
		d.focus("name")
		d.typeText(path)
		d.focus("access")
		d.press("left", "left") // O_RDWR → O_WRONLY → O_RDONLY
		d.focus("flags")
		d.press("space") // O_CREAT off
	}, fmt.Sprintf("open(%q, O_RDONLY)", path))
	fd := e[0].fd
	if e[0].bad || fd < 0 {
		t.Fatalf("open failed: %v", e[0])
	}
	if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", tr.Pid(), fd)); err != nil || target != path {
		t.Fatalf("fd %d in the subject is %q (%v), want %s", fd, target, err, path)
	}
	mapFD := func(sharing string) logEntry {
		return d.act("m", func() {
			d.focus("length")
			d.typeText("4k")
			d.focus("backing")
			d.press("right", "right", "right") // fd; prefilled with the descriptor just opened
			if sharing == "MAP_SHARED" {
				d.focus("sharing")
				d.press("right")
			}
		}, fmt.Sprintf("mmap(NULL, 4096, PROT_READ | PROT_WRITE, %s, %d, 0)", sharing, fd))[0]
	}
	if e := mapFD("MAP_SHARED"); !e.bad || !strings.HasSuffix(e.result, "EACCES (Permission denied)") || !strings.Contains(e.why, "O_RDWR") {
		t.Errorf("shared writable map of an O_RDONLY file: %+v", e)
	}
	if !strings.Contains(plain(d.m), "-1 EACCES (Permission denied)") {
		t.Error("EACCES is not on screen")
	}
	e2 := mapFD("MAP_PRIVATE")
	if e2.bad {
		t.Fatalf("private writable map of an O_RDONLY file failed: %+v", e2)
	}
	if !strings.Contains(procMaps(t, tr.Pid()), fmt.Sprintf("%s-%s rw-p 00000000", hexa(e2.addr), hexa(e2.addr+4096))) {
		t.Errorf("no private mapping of the file:\n%s", procMaps(t, tr.Pid()))
	}
}

// TestShmLifecycle walks the lecture's five steps with the forms: shm_open,
// ftruncate, mmap, close (the mapping remains), shm_unlink (the name goes,
// the mapping shows "(deleted)").
func TestShmLifecycle(t *testing.T) {
	d, tr := labModel(t)
	name := fmt.Sprintf("/mapscope-ui-test-%d", tr.Pid())
	t.Cleanup(func() { os.Remove("/dev/shm" + name) })
	e := d.act("o", func() {
		d.focus("name")
		d.typeText(name)
	}, fmt.Sprintf("shm_open(%q, O_CREAT | O_RDWR, 0666)", name))
	fd := e[0].fd
	if e[0].bad || fd < 0 {
		t.Fatalf("shm_open: %+v", e[0])
	}
	if c := d.m.Created(); len(c) != 1 || c[0].Path != "/dev/shm"+name || c[0].PID != tr.Pid() {
		t.Errorf("Created() = %+v after shm_open with O_CREAT, want /dev/shm%s", c, name)
	}
	d.act("t", nil, fmt.Sprintf("ftruncate(%d, 1024)", fd))
	if fi, err := os.Stat("/dev/shm" + name); err != nil || fi.Size() != 1024 {
		t.Fatalf("/dev/shm%s after ftruncate: %v, %v", name, fi, err)
	}
	e = d.act("m", func() {
		d.focus("length")
		d.typeText("1024")
		d.focus("sharing")
		d.press("right")
		d.focus("backing")
		d.press("right", "right", "right")
	}, fmt.Sprintf("mmap(NULL, 1024, PROT_READ | PROT_WRITE, MAP_SHARED, %d, 0)", fd))
	addr := e[0].addr
	if e[0].bad || !strings.Contains(procMaps(t, tr.Pid()), hexa(addr)+"-"+hexa(addr+4096)+" rw-s 00000000") {
		t.Fatalf("mmap of the shm object: %+v\n%s", e[0], procMaps(t, tr.Pid()))
	}
	d.act("c", nil, fmt.Sprintf("close(%d)", fd))
	if _, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", tr.Pid(), fd)); err == nil {
		t.Error("the descriptor is still open after close")
	}
	if !strings.Contains(procMaps(t, tr.Pid()), "/dev/shm"+name) {
		t.Error("the mapping went with the descriptor")
	}
	d.act("x", nil, fmt.Sprintf("shm_unlink(%q)", name))
	if _, err := os.Stat("/dev/shm" + name); !os.IsNotExist(err) {
		t.Errorf("/dev/shm%s still exists after shm_unlink: %v", name, err)
	}
	if c := d.m.Created(); len(c) != 0 {
		t.Errorf("Created() = %+v after shm_unlink, want nothing left", c)
	}
	if !strings.Contains(procMaps(t, tr.Pid()), "/dev/shm"+name+" (deleted)") {
		t.Errorf("the mapping does not show (deleted):\n%s", procMaps(t, tr.Pid()))
	}
	d.refreshed("(deleted) on screen", func(s string) bool { return strings.Contains(s, name+" (deleted)") })
}

// TestForkTabs: f forks the subject; the child is a new tab whose process
// exists with the subject as parent; tab shows it; K ends it and it is
// reaped (no zombie left).
func TestForkTabs(t *testing.T) {
	d, tr := labModel(t)
	d.press("f")
	d.until("the child's tab", func(m Model) bool { return len(m.procs) == 2 && !m.busy })
	child := d.m.procs[1].pid
	if got := statusField(t, child, "PPid"); got != strconv.Itoa(tr.Pid()) {
		t.Errorf("child %d has PPid %s, want %d", child, got, tr.Pid())
	}
	if procMaps(t, child) == "" {
		t.Error("the child has no mappings")
	}
	d.press("tab")
	d.refreshed("the child's snapshot", func(string) bool { return true })
	if d.m.p().pid != child || !strings.Contains(plain(d.m), "pid "+strconv.Itoa(child)) {
		t.Fatalf("tab did not show the child")
	}
	if !strings.Contains(plain(d.m), "(child of "+strconv.Itoa(tr.Pid())+")") {
		t.Error("the tab bar does not name the child")
	}
	d.press("K")
	d.until("the child's end", func(m Model) bool { return m.procs[1].exited })
	deadline := time.Now().Add(3 * time.Second)
	for procState(child) != "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if st := procState(child); st != "" {
		t.Errorf("the killed child is still there, state %q (a zombie is Z)", st)
	}
	// The parent was stopped for a moment to reap the child (t), then let go.
	if st := settledState(tr.Pid()); st != "S" {
		t.Errorf("the parent is in state %q after its child was killed, want S", st)
	}
}

// TestFormRejectsBadInput: a form with an invalid field marks it, enter
// sends nothing, and the form stays open to be fixed.
func TestFormRejectsBadInput(t *testing.T) {
	m, _ := fixtureModel(t, 120, 40, Options{Mode: ModeLab, Target: mapping.NewSelf()})
	cases := []struct {
		key, field, value, err string
	}{
		{"m", "length", "", "enter a size"},
		{"m", "length", "0", "more than 0"},
		{"m", "length", "lots", "not a size"},
		{"m", "length", "3k+", "missing"},
		{"m", "length", "99999999999999999999", "too large"},
		{"m", "length", "16T*2M", "too large"},
		{"m", "length", "4k*4k*4k*4k*4k*4k", "too large"},
		{"m", "length", "4k*4k*4k*4k*4k", "larger than the whole user address space"},
		{"o", "name", "/..", "not a name"},
		{"m", "address hint", "0x7g", "not a hex address"},
		{"u", "address", "0x1001", "not page-aligned"},
		{"u", "address", "0x7ffffffff000", "end of user space"},
		{"u", "length", "-4k", "not a number"},
		{"t", "fd", "-1", "descriptor"},
		{"o", "name", "noslash", "one '/'"},
		{"w", "value", "'AB'", "not one character"},
	}
	for _, c := range cases {
		mm := press(t, m, c.key)
		if mm.form == nil {
			t.Fatalf("%s opened no form", c.key)
		}
		if c.key == "u" && c.field == "address" && c.value == "0x7ffffffff000" {
			// a range that passes the top of user space
			for mm.form.fields[mm.form.focus].name != "length" {
				mm = press(t, mm, "tab")
			}
			mm = press(t, mm, "ctrl+u", "8", "k")
		}
		if c.key == "w" {
			for mm.form.fields[mm.form.focus].name != "type" {
				mm = press(t, mm, "tab")
			}
			mm = press(t, mm, "right") // char
		}
		for mm.form.fields[mm.form.focus].name != c.field {
			mm = press(t, mm, "tab")
		}
		mm = press(t, mm, "ctrl+u")
		for _, r := range c.value {
			mm = press(t, mm, string(r))
		}
		if mm.form.act != nil {
			t.Errorf("%s %s=%q: the form is valid", c.key, c.field, c.value)
			continue
		}
		if got := mm.form.firstError(); !strings.Contains(got, c.err) {
			t.Errorf("%s %s=%q: error %q, want %q", c.key, c.field, c.value, got, c.err)
		}
		if !strings.Contains(plain(mm), "✖") {
			t.Errorf("%s %s=%q: no ✖ at the field on screen", c.key, c.field, c.value)
		}
		mm, cmd := send(t, mm, keyMsg("enter"))
		if cmd != nil || mm.busy || mm.form == nil {
			t.Errorf("%s %s=%q: enter ran something or closed the form", c.key, c.field, c.value)
		}
		if !mm.statusBad || !strings.Contains(mm.status, c.err) {
			t.Errorf("%s %s=%q: status %q", c.key, c.field, c.value, mm.status)
		}
	}
	// The same form with valid input does run: the checks above can fail.
	mm := press(t, m, "m")
	if _, cmd := send(t, mm, keyMsg("enter")); cmd == nil {
		t.Error("a valid form did not run")
	}
}

// TestParseSize covers the accepted spellings and the overflow edges.
func TestParseSize(t *testing.T) {
	good := map[string]uint64{
		"4096": 4096, "4k": 4096, "4K": 4096, "2M": 2 << 20, "1G": 1 << 30, "3*4096": 12288,
		"0x1000": 4096, "010": 8, "2*4k+100": 8292, " 8 k ": 8192, "4KiB": 4096, "1t": 1 << 40,
		"18446744073709551615": 1<<64 - 1,
	}
	for in, want := range good {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "k", "4x", "18446744073709551616", "16777216T", "4k**2", "-1", "1.5M"} {
		if v, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, v)
		}
	}
}

// TestAttachAsksFirst: an attached process is not touched until the user
// says yes; a no leaves it untraced; after the yes, mapscope is its
// tracer, and closing the target detaches it, still running.
func TestAttachAsksFirst(t *testing.T) {
	pid := startSleep(t)
	var got mapping.Target
	attach := func(p int) (mapping.Target, error) {
		tr, err := mapping.Attach(p)
		if err != nil {
			return nil, err
		}
		got = tr
		return tr, nil
	}
	m := New(Options{Root: "/proc", PID: pid, Mode: ModeAttached, Attach: attach, Interval: time.Hour})
	d := newDriver(t, m)
	d.refreshed("the first snapshot", func(string) bool { return true })
	d.press("m")
	if d.m.ask == nil || d.m.form != nil {
		t.Fatal("the first action on an attached process did not ask")
	}
	if !strings.Contains(plain(d.m), "was not started by mapscope") {
		t.Error("the question is not on screen")
	}
	d.press("n")
	if d.m.ask != nil || d.m.form != nil || statusField(t, pid, "TracerPid") != "0" {
		t.Fatal("no did not leave the process alone")
	}
	d.press("m", "y")
	d.until("the form after attaching", func(m Model) bool { return m.form != nil })
	if statusField(t, pid, "TracerPid") == "0" {
		t.Error("the process is not traced after the yes")
	}
	e := d.submit(nil, "")
	if e[0].bad || !strings.Contains(procMaps(t, pid), hexa(e[0].addr)+"-") {
		t.Errorf("mmap in the attached process: %+v", e[0])
	}
	if got == nil {
		t.Fatal("attach was not called")
	}
	got.Close()
	if tp := statusField(t, pid, "TracerPid"); tp != "0" {
		t.Errorf("TracerPid %s after Close, want 0", tp)
	}
	if st := settledState(pid); st != "S" {
		t.Errorf("state %q after detaching, want S", st)
	}
}

// untouchable is a Target whose every call panics: for tests that check
// that nothing reaches the process.
type untouchable struct{ mapping.Target }

func (untouchable) Pid() int { return 4242 }

// TestForkAsksForThreads: forking a multi-threaded process leaves a child
// with one thread and possibly held locks (engine.md fact 15), so f asks
// first, and anything but y forks nothing.
func TestForkAsksForThreads(t *testing.T) {
	m, _ := fixtureModel(t, 120, 40, Options{Mode: ModeLab, Target: untouchable{}})
	id := fixtureIdentity
	id.Threads = 4
	m, _ = send(t, m, snapshotMsg{snap: m.p().snap, totals: fixtureTotals, ident: &id})
	m = press(t, m, "f")
	if m.ask == nil || m.busy || !strings.Contains(plain(m), "has 4 threads") {
		t.Fatalf("f on a 4-thread process did not ask; status %q", m.status)
	}
	m, cmd := send(t, m, keyMsg("n"))
	if cmd != nil || m.ask != nil || m.busy || len(m.procs) != 1 {
		t.Error("declining the fork did something")
	}
	// With one thread there is no question: the fork command is issued.
	id.Threads = 1
	m, _ = send(t, m, snapshotMsg{snap: m.p().snap, totals: fixtureTotals, ident: &id})
	m, cmd = send(t, m, keyMsg("f"))
	if m.ask != nil || cmd == nil || !m.busy {
		t.Error("f on a single-threaded process did not fork at once")
	}
}

// TestConsolePaste: a three-line snippet pasted into the console runs in
// the subject: three calls in the log, and the new mapping on screen,
// selected.
func TestConsolePaste(t *testing.T) {
	d, tr := labModel(t)
	name := fmt.Sprintf("/mapscope-console-%d", tr.Pid())
	t.Cleanup(func() { os.Remove("/dev/shm" + name) })
	d.press(":")
	if !d.m.console.open || !strings.Contains(plain(d.m), "c> ") {
		t.Fatalf("the console did not open:\n%s", plain(d.m))
	}
	snippet := fmt.Sprintf(`int fd = shm_open(%q, O_CREAT | O_RDWR, 0666);
ftruncate(fd, 4096);
void* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
`, name)
	n := len(d.m.log)
	m, cmd := send(t, d.m, tea.PasteMsg{Content: snippet})
	d.m = m
	d.run(cmd)
	d.until("the snippet's three calls", func(m Model) bool { return len(m.log) >= n+3 && !m.busy })
	got := d.m.log[n:]
	wants := []string{
		fmt.Sprintf("shm_open(%q, O_CREAT | O_RDWR, 0666) = ", name),
		"ftruncate(", "mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ",
	}
	if len(got) != 3 {
		t.Fatalf("%d log lines, want 3: %+v", len(got), got)
	}
	for i, w := range wants {
		if !strings.HasPrefix(got[i].text, w) || got[i].bad {
			t.Errorf("log line %d = %q, want %q…", i, got[i].text, w)
		}
	}
	d.refreshed("the shm mapping on screen", func(s string) bool { return strings.Contains(s, "/dev/shm"+name) })
	if mp, _, ok := d.m.table.selected(); !ok || mp.Path != "/dev/shm"+name {
		t.Errorf("the new mapping is not selected")
	}
	screen := plain(d.m)
	for _, w := range []string{"shm_open(", "ftruncate(", "/dev/shm" + name} {
		if !strings.Contains(screen, w) {
			t.Errorf("screen lacks %q:\n%s", w, screen)
		}
	}
	// A line typed and entered runs too; its variable is remembered.
	for _, r := range `printf("%d\n", fd);` {
		d.press(string(r))
	}
	d.press("enter")
	d.until("the printf", func(m Model) bool { return !m.busy && len(m.log) > n+3 })
	if last := d.m.log[len(d.m.log)-1]; !last.output || last.text == "" {
		t.Errorf("printf output not in the log: %+v", last)
	}
	// A syntax error shows line, column and caret, and runs nothing.
	before := len(d.m.log)
	for _, r := range `int x = ;` {
		d.press(string(r))
	}
	d.press("enter")
	if e := d.m.log[len(d.m.log)-1]; len(d.m.log) != before+1 || !e.bad || !strings.Contains(e.text, "line 1, column 9") {
		t.Errorf("syntax error entry: %+v", d.m.log[before:])
	}
	// ↑ brings the line back.
	d.press("up")
	if d.m.console.input.Value() != "int x = ;" {
		t.Errorf("history: %q", d.m.console.input.Value())
	}
}

// TestLessonStepping presents the mmap lesson as a teacher would: → runs a
// step (its narration and code in the panel, its calls in the log, the
// cursor on the mapping it made), ← goes back by replaying in a fresh
// subject.
func TestLessonStepping(t *testing.T) {
	spawn := spawner(t)
	first, err := spawn()
	if err != nil {
		t.Skip(err)
	}
	m := New(Options{Root: "/proc", PID: first.Pid(), Mode: ModeLab, Target: first, Spawn: spawn, Lesson: "mmap", Interval: time.Hour})
	d := newDriver(t, m)
	d.refreshed("the first snapshot", func(string) bool { return true })
	if !strings.Contains(plain(d.m), "lesson mmap") || !strings.Contains(plain(d.m), "Press → to run the first") {
		t.Fatalf("the lesson is not announced:\n%s", plain(d.m))
	}
	step := func() {
		t.Helper()
		n := d.m.lesson.done
		d.press("right")
		d.until("the step", func(m Model) bool { return !m.busy && m.lesson.done == n+1 })
	}
	step() // narration only
	step() // the mmap
	var addr uint64
	for _, e := range d.m.log {
		if strings.HasPrefix(e.text, "mmap(NULL, 32768") {
			fmt.Sscanf(e.text[strings.LastIndex(e.text, "0x"):], "0x%x", &addr)
		}
	}
	if addr == 0 {
		t.Fatalf("no mmap in the log: %+v", d.m.log)
	}
	if d.m.p().pid != first.Pid() {
		t.Errorf("the lesson ran in pid %d, not the lab subject %d", d.m.p().pid, first.Pid())
	}
	// (The kernel may merge the new mapping with an anonymous neighbour:
	// look for the mapping that contains it.)
	d.until("the lesson's mapping", func(m Model) bool {
		p := m.p()
		return !p.reading && p.snap != nil && p.snap.Find(addr) >= 0
	})
	if mp, _, ok := d.m.table.selected(); !ok || !mp.Contains(addr) {
		t.Errorf("the cursor is not on the mapping the step made")
	}
	screen := plain(d.m)
	for _, w := range []string{"step 2 of", "Map 8 pages", "char* p = mmap(NULL, 8 * 4096"} {
		if !strings.Contains(screen, w) {
			t.Errorf("the narration panel lacks %q:\n%s", w, screen)
		}
	}
	if !mapsContain(t, first.Pid(), addr) {
		t.Error("the kernel shows no such mapping")
	}

	// Back one step: the lesson restarts in a fresh subject and replays
	// step 1; the old subject is gone.
	d.press("left")
	d.until("the replay", func(m Model) bool { return !m.busy && m.lesson.done == 1 && m.lesson.runner.Target("A") != nil })
	a := d.m.lesson.runner.Target("A")
	if a.Pid() == first.Pid() {
		t.Fatal("going back did not start a fresh subject")
	}
	if st := settledState(first.Pid()); st != "" {
		t.Errorf("the old subject is still there (state %s)", st)
	}
	if d.m.p().pid != a.Pid() {
		t.Errorf("the fresh subject %d is not on screen (pid %d is)", a.Pid(), d.m.p().pid)
	}
	replayed := false
	for _, e := range d.m.log {
		if strings.HasPrefix(e.text, "↺ back to step 1") {
			replayed = true
		}
		if replayed && strings.HasPrefix(e.text, "mmap(NULL, 32768") {
			t.Errorf("the replay up to step 1 ran step 2's mmap in pid %d", e.pid)
		}
	}
	if !replayed {
		t.Error("the log does not say the lesson went back")
	}
}

// TestConsoleProcessB is the lecture's two processes at the console: the
// POSIX shm code pasted in the subject, then n starts process B, whose
// console reads 42 through the same name.
func TestConsoleProcessB(t *testing.T) {
	spawn := spawner(t)
	a, err := spawn()
	if err != nil {
		t.Skip(err)
	}
	name := fmt.Sprintf("/mapscope-b-%d", a.Pid())
	t.Cleanup(func() { os.Remove("/dev/shm" + name) })
	d := newDriver(t, New(Options{Root: "/proc", PID: a.Pid(), Mode: ModeLab, Target: a, Spawn: spawn, Interval: time.Hour}))
	d.refreshed("the first snapshot", func(string) bool { return true })
	paste := func(src string) {
		t.Helper()
		d.press(":")
		n := len(d.m.log)
		m, cmd := send(t, d.m, tea.PasteMsg{Content: src})
		d.m = m
		d.run(cmd)
		d.until("the run", func(m Model) bool { return !m.busy && len(m.log) > n })
		d.press("esc")
	}
	paste(fmt.Sprintf(`int fd = shm_open(%q, O_CREAT | O_RDWR, 0666);
if (ftruncate(fd, 1024) == -1) perror("ftruncate");
int* shared_data = (int*)mmap(NULL, 1024, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
close(fd);
*shared_data = 42;
`, name))
	d.press("n")
	d.until("process B", func(m Model) bool { return len(m.procs) == 2 && !m.busy && m.cur == 1 })
	b := d.m.p().pid
	if b == a.Pid() {
		t.Fatal("n did not put the new subject on screen")
	}
	paste(fmt.Sprintf(`int fd = shm_open(%q, O_RDWR, 0666);
int* shared_data = (int*)mmap(NULL, 1024, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
printf("%%d\n", *shared_data);
`, name))
	last := d.m.log[len(d.m.log)-1]
	if !last.output || last.text != "42" || last.pid != b {
		t.Errorf("process B printed %+v, want 42 from pid %d", last, b)
	}
}

// mapsContain reports whether some mapping of pid contains addr, as the
// kernel reports them.
func mapsContain(t *testing.T, pid int, addr uint64) bool {
	t.Helper()
	snap, _, err := procmaps.NewSource("/proc", pid).Read()
	if err != nil {
		t.Fatal(err)
	}
	return snap.Find(addr) >= 0
}

// spawner returns an Options.Spawn that starts settled `sleep infinity`
// subjects, all closed when the test ends.
func spawner(t *testing.T) func() (*mapping.Tracee, error) {
	var spawned []*mapping.Tracee
	t.Cleanup(func() {
		for _, s := range spawned {
			s.Close()
		}
	})
	return func() (*mapping.Tracee, error) {
		tr, err := mapping.Spawn([]string{"sleep", "infinity"}, nil)
		if err == nil {
			spawned = append(spawned, tr)
			settledState(tr.Pid())
		}
		return tr, err
	}
}
