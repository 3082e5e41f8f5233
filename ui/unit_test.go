package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"

	"mapscope/mapping"
	"mapscope/procmaps"
)

func TestHumanSize(t *testing.T) {
	for _, tc := range []struct {
		in   uint64
		want string
	}{
		{0, "0B"}, {512, "512B"}, {4096, "4.0K"}, {10 << 10, "10K"}, {132 << 10, "132K"},
		{1023 << 10, "1023K"}, {1024<<10 - 1, "1.0M"}, {2 << 20, "2.0M"}, {1 << 30, "1.0G"},
		{1536 << 20, "1.5G"}, {1 << 40, "1.0T"}, {1<<64 - 1, "16E"},
	} {
		if got := procmaps.FormatSize(tc.in); got != tc.want || len(got) > sizeWidth {
			t.Errorf("procmaps.FormatSize(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/usr/lib/libc.so.6", "/usr/lib/libc.so.6"},
		{"/tmp/two  spaces\\012nl", "/tmp/two  spaces\\012nl"},
		{"/tmp/esc\x1b[31mred", `/tmp/esc\x1b[31mred`},
		{"/tmp/bad\xff\xfe", `/tmp/bad\xff\xfe`},
		{"/tmp/tab\there", `/tmp/tab\x09here`},
		{"/tmp/del\x7f", `/tmp/del\x7f`},
		{"/tmp/c1\u0085", `/tmp/c1\xc2\x85`},
		{"/tmp/bidi\u202egnp.exe", `/tmp/bidi\xe2\x80\xaegnp.exe`},
		{"/tmp/héllo 日本", "/tmp/héllo 日本"},
	} {
		if got := printable(tc.in); got != tc.want {
			t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFitWidth(t *testing.T) {
	for _, tc := range []struct {
		in   string
		w    int
		want string
	}{
		{"abc", 5, "abc  "}, {"abcdef", 4, "abc…"}, {"日本語", 4, "日… "}, {"abc", 0, ""},
	} {
		if got := fitWidth(tc.in, tc.w); got != tc.want {
			t.Errorf("fitWidth(%q, %d) = %q, want %q", tc.in, tc.w, got, tc.want)
		}
	}
	if got := joinLR("left", "right", 12); got != "left   right" {
		t.Errorf("joinLR = %q", got)
	}
	if got := joinLR("a long left part", "right", 12); got != "a lon… right" {
		t.Errorf("joinLR narrow = %q", got)
	}
	if got := joinLR("a long left part", "right", 6); got != "a lon…" {
		t.Errorf("joinLR too narrow for both = %q", got)
	}
}

func TestKeyMap(t *testing.T) {
	k := DefaultKeyMap()
	seen := map[string]string{}
	var all []key.Binding
	for _, g := range k.Groups() {
		if g.Name == "" || len(g.Bindings) == 0 {
			t.Errorf("group %q is empty or unnamed", g.Name)
		}
		for _, b := range g.Bindings {
			all = append(all, b)
			if len(b.Keys()) == 0 || b.Help().Key == "" || b.Help().Desc == "" {
				t.Errorf("binding %v lacks keys or help", b.Keys())
			}
			if g.Name == "Filter" && b.Help().Key != "/" {
				continue // enter and esc mean something else while typing a filter
			}
			for _, s := range b.Keys() {
				if other, dup := seen[s]; dup {
					t.Errorf("key %q is bound to both %q and %q", s, other, b.Help().Desc)
				}
				seen[s] = b.Help().Desc
			}
		}
	}
	// Every action of the product description is bound.
	for _, s := range strings.Fields("m u p s a w r f n o t c x K : tab shift+tab v L right left N") {
		if _, ok := seen[s]; !ok {
			t.Errorf("action key %q is not bound", s)
		}
	}
	// The viewer's keys work.
	for _, s := range strings.Fields("up k down j pgup pgdown g G enter / esc space ? q ctrl+c") {
		if _, ok := seen[s]; !ok {
			t.Errorf("key %q is not bound", s)
		}
	}
	for _, b := range k.ShortHelp() {
		if !b.Enabled() || !slices.ContainsFunc(all, func(a key.Binding) bool { return slices.Equal(a.Keys(), b.Keys()) }) {
			t.Errorf("short help shows %v, which is disabled or not in Groups", b.Keys())
		}
	}
}

func TestHighlightsFade(t *testing.T) {
	var p procmaps.Parser
	old, _ := p.Parse([]byte(fixtureMaps))
	cur, _ := p.Parse([]byte(fixtureChanged))
	now := newClock().Now()
	h := highlights{ttl: 3 * time.Second}
	if !h.apply(procmaps.Diff(old, cur), now) {
		t.Fatal("a removal added no ghost")
	}
	if len(h.ghosts) != 1 || h.ghosts[0].m.Path != "/tmp/old.bin (deleted)" {
		t.Fatalf("ghosts %+v", h.ghosts)
	}
	if mk := h.marks[0x7f3a1bf00000]; mk.kind != markChanged || mk.note != "split, perms" {
		t.Errorf("split mark %+v", mk)
	}
	if mk := h.marks[0x7f3a1c880000]; mk.kind != markAdded {
		t.Errorf("added mark %+v", mk)
	}
	for _, tc := range []struct {
		after time.Duration
		step  int
	}{{0, 0}, {999 * time.Millisecond, 0}, {time.Second, 1}, {2500 * time.Millisecond, 2}, {3 * time.Second, 3}} {
		if got := h.step(now, now.Add(tc.after)); got != tc.step {
			t.Errorf("after %v: step %d, want %d", tc.after, got, tc.step)
		}
	}
	if h.expire(now.Add(2 * time.Second)) {
		t.Error("expired too early")
	}
	if !h.expire(now.Add(3*time.Second)) || h.active() {
		t.Error("highlights outlived the highlight time")
	}
}

func TestPartialUnmapLeavesGhostOfTheHole(t *testing.T) {
	m := procmaps.Mapping{Start: 0x1000, End: 0x5000, Perms: procmaps.Perms{Read: true}, Inode: 7, Offset: 0x10000, Path: "/f"}
	a, b := m, m
	a.End = 0x2000
	b.Start, b.Offset = 0x4000, 0x13000
	got := uncovered([]procmaps.Mapping{m}, []procmaps.Mapping{a, b})
	if len(got) != 1 || got[0].Start != 0x2000 || got[0].End != 0x4000 || got[0].Offset != 0x11000 {
		t.Errorf("uncovered = %+v", got)
	}
	if got := uncovered([]procmaps.Mapping{m}, []procmaps.Mapping{m}); len(got) != 0 {
		t.Errorf("a covered mapping left %+v", got)
	}
}

func TestGhostFadesFromScreen(t *testing.T) {
	m, clk := fixtureModel(t, 100, 30, Options{Highlight: 3 * time.Second})
	m = withChanges(t, m, clk)
	if !strings.Contains(plain(m), "← removed") {
		t.Fatal("no ghost row")
	}
	builds := m.rowBuilds
	for range 6 {
		clk.Advance(500 * time.Millisecond)
		m, _ = send(t, m, tickMsg{gen: m.gen})
		m, _ = send(t, m, snapshotMsg{snap: m.p().snap, totals: fixtureTotals})
	}
	v := plain(m)
	if strings.Contains(v, "← removed") || strings.Contains(v, "← new") || strings.Contains(v, "← split") {
		t.Errorf("highlights still shown after %v:\n%s", m.opts.Highlight, v)
	}
	if m.rowBuilds != builds+1 {
		t.Errorf("%d rebuilds while fading, want 1 (when the ghost went)", m.rowBuilds-builds)
	}
}

// TestSmallFormKeepsFocus: on a terminal too small for the whole form, the
// focused field stays on screen as the focus moves down.
func TestSmallFormKeepsFocus(t *testing.T) {
	m, _ := fixtureModel(t, 40, 10, Options{Mode: ModeLab, Target: mapping.NewSelf()})
	m = press(t, m, "m")
	for range len(m.form.fields) {
		name := m.form.fields[m.form.focus].name
		if v := plain(m); !strings.Contains(v, name) {
			t.Errorf("focused field %q not on screen:\n%s", name, v)
		}
		m = press(t, m, "tab")
	}
}

// TestParseAddrSum: an address field takes a base plus sizes.
func TestParseAddrSum(t *testing.T) {
	cases := map[string]uint64{"0x1000": 0x1000, "7f0000000000+16k": 0x7f0000004000, "0x1000 + 2*4096": 0x3000, "NULL": 0}
	for in, want := range cases {
		if got, err := parseAddr(in, true); err != nil || got != want {
			t.Errorf("parseAddr(%q) = %#x, %v; want %#x", in, got, err, want)
		}
	}
	for _, in := range []string{"0xffffffffffffffff+1", "0x1000+", "zz+4k"} {
		if v, err := parseAddr(in, true); err == nil {
			t.Errorf("parseAddr(%q) = %#x, want an error", in, v)
		}
	}
}

// TestResumeWithExitedTab: resuming the refresh while the tab on screen has
// exited still schedules a tick, so the other tabs go on refreshing.
func TestResumeWithExitedTab(t *testing.T) {
	m, _ := fixtureModel(t, 120, 40, Options{Mode: ModeLab})
	j := m.addProc(4243, "child", 4242, nil)
	m, _ = send(t, m, snapshotMsg{id: m.procs[j].id, snap: parseMaps(t, fixtureMaps, 1), changed: true})
	m, _ = send(t, m, exitedMsg{id: 0, status: "killed by SIGKILL"})
	m = press(t, m, "space")
	gen := m.gen
	m, cmd := send(t, m, keyMsg("space"))
	if cmd == nil || m.gen == gen {
		t.Fatal("resuming scheduled nothing")
	}
	// The tick of the new chain reads the live child.
	m, cmd = send(t, m, tickMsg{gen: m.gen})
	if cmd == nil || !m.procs[j].reading {
		t.Error("the tick after resuming did not read the live tab")
	}
}

// TestLessonMenuWhileBusy: choosing a lesson while a call runs is refused
// (its subjects would be closed under the running step).
func TestLessonMenuWhileBusy(t *testing.T) {
	m, _ := fixtureModel(t, 120, 40, Options{Mode: ModeLab, Spawn: func() (*mapping.Tracee, error) { return nil, nil }})
	m = press(t, m, "L")
	m.busy = true
	m, cmd := send(t, m, keyMsg("enter"))
	if cmd != nil || m.lesson.runner != nil || !m.lesson.menu || !m.statusBad {
		t.Errorf("a lesson was started while busy (runner %v, status %q)", m.lesson.runner, m.status)
	}
}
