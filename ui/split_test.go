package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"golang.org/x/sys/unix"

	"mapscope/procmaps"
)

// TestSharedPages: the same frame is shared (root); without frame numbers,
// present and not exclusive in both is shared; anything absent is not.
func TestSharedPages(t *testing.T) {
	const present, excl = procmaps.Page(1 << 63), procmaps.Page(1 << 56)
	a := []procmaps.Page{present | 7, present | 7, present | 7, 0, present, present | excl, present}
	b := []procmaps.Page{present | 7, present | 8, 0, 0, present, present, present | excl}
	want := []bool{true, false, false, false, true, false, false}
	got := sharedPages(a, b)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("page %d shared = %v, want %v", i, got[i], want[i])
		}
	}
}

// splitFixture is the fixture model with a forked child of the same maps,
// in the split view.
func splitFixture(t *testing.T) Model {
	t.Helper()
	m, _ := fixtureModel(t, 120, 40, Options{Mode: ModeLab})
	j := m.addProc(4243, "child", 4242, nil)
	m, _ = send(t, m, snapshotMsg{id: m.procs[j].id, snap: parseMaps(t, fixtureMaps, 1), changed: true, totals: fixtureTotals})
	m = selectLabel(t, m, "/dev/shm/my_data")
	m = press(t, m, "v")
	if !m.split.on {
		t.Fatalf("v did not open the split view: %q", m.status)
	}
	return m
}

// TestSplitGolden: a parent and child side by side, before and after the
// child writes one private page: the page goes from shared (▀) to its own
// (█) in both strips, and the narration says why.
func TestSplitGolden(t *testing.T) {
	m := splitFixture(t)
	const sharedPg = procmaps.Page(1<<63 | 0x100)
	before := splitPages{start: 0x7f3a1c900000,
		left:  []procmaps.Page{sharedPg, sharedPg | 1},
		right: []procmaps.Page{sharedPg, sharedPg | 1}}
	m, _ = send(t, m, splitPagesMsg{seq: m.split.seq, pages: before})
	v := plain(m)
	if !strings.Contains(v, "pid 4242 subject") || !strings.Contains(v, "pid 4243 child") || !strings.Contains(v, "2 of 2 pages shared") {
		t.Errorf("before:\n%s", v)
	}
	goldenText(t, "split_before_120x40", v)

	after := before
	after.right = []procmaps.Page{sharedPg, procmaps.Page(1<<63 | 1<<56 | 0x999)}
	after.left = []procmaps.Page{sharedPg, procmaps.Page(1<<63 | 1<<56 | 0x101)}
	m, _ = send(t, m, splitPagesMsg{seq: m.split.seq, pages: after})
	v = plain(m)
	if !strings.Contains(v, "1 of 2 pages shared") || !strings.Contains(m.narr.text, "Page 1 of this mapping is no longer shared") {
		t.Errorf("after: narration %q\n%s", m.narr.text, v)
	}
	goldenText(t, "split_after_120x40", v)
}

// TestSplitCopyOnWrite against real processes: a private mapping written
// before fork is shared page by page by parent and child; after the child
// writes one page, that page alone is no longer shared, and the narration
// says so.
func TestSplitCopyOnWrite(t *testing.T) {
	d, tr := labModel(t)
	c, err := tr.Mmap(0, 4*4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0)
	if err != nil || c.Failed() {
		t.Fatal(c, err)
	}
	addr := c.Addr()
	for i := range 4 {
		if _, err := tr.WriteMemory(addr+uint64(i)*4096, []byte{1}); err != nil {
			t.Fatal(err)
		}
	}
	d.press("f")
	d.until("the child", func(m Model) bool { return len(m.procs) == 2 && !m.busy && m.procs[1].snap != nil })
	d.m.p().selectAddr = addr
	d.run(d.m.refresh(d.m.cur))
	d.until("the mapping selected", func(m Model) bool {
		mp, _, ok := m.table.selected()
		return ok && mp.Start <= addr && addr < mp.End
	})
	d.press("v")
	d.until("both strips", func(m Model) bool { return m.split.pages != nil && len(m.split.pages.right) > 0 })
	sh := sharedPages(d.m.split.pages.left, d.m.split.pages.right)
	first := int((addr - d.m.split.pages.start) / 4096)
	for i := first; i < first+4; i++ {
		if !sh[i] {
			t.Fatalf("page %d not shared right after fork: %v", i-first, sh)
		}
	}
	child := d.m.procs[1].target
	if _, err := child.WriteMemory(addr+2*4096, []byte{2}); err != nil {
		t.Fatal(err)
	}
	d.run(d.m.requestSplitPages())
	d.until("the copy", func(m Model) bool { return strings.Contains(m.narr.text, "no longer shared") })
	sh = sharedPages(d.m.split.pages.left, d.m.split.pages.right)
	for i := first; i < first+4; i++ {
		if want := i != first+2; sh[i] != want {
			t.Errorf("page %d shared = %v after the child wrote page 2", i-first, sh[i])
		}
	}
	if !strings.Contains(d.m.narr.text, fmt.Sprintf("Page %d", first+2)) {
		t.Errorf("narration %q does not name the page", d.m.narr.text)
	}
	// Without root the kernel shows the same entries with the frame numbers
	// zeroed: the exclusive bit alone must give the same answer.
	noFrames := func(ps []procmaps.Page) []procmaps.Page {
		out := make([]procmaps.Page, len(ps))
		for i, p := range ps {
			out[i] = p &^ (1<<55 - 1)
		}
		return out
	}
	if !framesKnown(d.m.split.pages.left) {
		t.Log("frame numbers are not shown to this user: the check above already used the exclusive bit")
	}
	sh = sharedPages(noFrames(d.m.split.pages.left), noFrames(d.m.split.pages.right))
	for i := first; i < first+4; i++ {
		if want := i != first+2; sh[i] != want {
			t.Errorf("without frame numbers, page %d shared = %v after the child wrote page 2", i-first, sh[i])
		}
	}
}

// goldenText compares text with testdata/<test>/<name>.golden (-update
// rewrites it), like golden.RequireEqual but with a name of its own.
func goldenText(t *testing.T, name, text string) {
	t.Helper()
	t.Run(name, func(t *testing.T) { golden.RequireEqual(t, text) })
}

// TestSplitScrollKeepsWindow: after scrolling down, moving up moves the
// cursor within the window instead of dragging the window along.
func TestSplitScrollKeepsWindow(t *testing.T) {
	m, _ := fixtureModel(t, 120, 24, Options{Mode: ModeLab})
	j := m.addProc(4243, "child", 4242, nil)
	m, _ = send(t, m, snapshotMsg{id: m.procs[j].id, snap: parseMaps(t, fixtureMaps, 1), changed: true, totals: fixtureTotals})
	m = press(t, m, "v")
	for range len(m.split.rows) {
		m = press(t, m, "j")
	}
	top := m.split.top
	if top == 0 {
		t.Fatalf("the window did not scroll (%d rows)", len(m.split.rows))
	}
	m = press(t, m, "k")
	if m.split.top != top || m.split.sel != len(m.split.rows)-2 {
		t.Errorf("after k: top %d (was %d), sel %d", m.split.top, top, m.split.sel)
	}
	if !strings.Contains(plain(m), "▶") {
		t.Error("the selected row is not on screen")
	}
}
