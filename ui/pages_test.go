package ui

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"mapscope/procmaps"
)

// page states as raw pagemap entries.
const (
	pgNone      = procmaps.Page(0)
	pgExclusive = procmaps.Page(1<<63 | 1<<56 | 0x1234)
	pgShared    = procmaps.Page(1<<63 | 1<<61 | 0x5678)
	pgSwapped   = procmaps.Page(1 << 62)
)

// TestStripCells: one cell per page when there is room; buckets when not,
// whose glyph says how much is present and whose state is the dominant one.
func TestStripCells(t *testing.T) {
	pages := []procmaps.Page{pgNone, pgExclusive, pgNone, pgShared}
	cells, per := stripCells(pages, 10)
	if per != 1 || len(cells) != 4 {
		t.Fatalf("%d cells of %d pages, want 4 of 1", len(cells), per)
	}
	want := []stripCell{{"·", pkNone}, {"█", pkOwn}, {"·", pkNone}, {"█", pkFile}}
	for i, w := range want {
		if cells[i] != w {
			t.Errorf("cell %d = %+v, want %+v", i, cells[i], w)
		}
	}
	// 12 pages in 3 cells: 4 a cell.
	pages = []procmaps.Page{
		pgExclusive, pgExclusive, pgExclusive, pgExclusive, // all present
		pgExclusive, pgShared, pgShared, pgNone, // 3 of 4, shared dominant
		pgNone, pgNone, pgNone, pgSwapped, // 1 of 4 held, in swap
	}
	cells, per = stripCells(pages, 3)
	if per != 4 || len(cells) != 3 {
		t.Fatalf("%d cells of %d pages, want 3 of 4", len(cells), per)
	}
	if cells[0].glyph != "█" || cells[1].glyph != "▓" || cells[1].kind != pkFile ||
		cells[2].glyph != "░" || cells[2].kind != pkSwapped {
		t.Errorf("buckets = %+v", cells)
	}
	// A 1 GiB mapping in 80 cells never makes more cells than asked.
	if cells, _ := stripCells(make([]procmaps.Page, 262144), 80); len(cells) > 80 {
		t.Errorf("%d cells for 80", len(cells))
	}
}

// TestMemoryViewOfAFile: the detail pane of a file mapping in a real
// subject shows the pages as not present without reading them (pagemap
// says so before and after looking), and the file's bytes once the
// process has read the page itself.
func TestMemoryViewOfAFile(t *testing.T) {
	d, tr := labModel(t)
	path := filepath.Join(t.TempDir(), "view.dat")
	content := bytes.Repeat([]byte("mapscope-sees-this "), 4096/19+1)[:4096]
	if err := os.WriteFile(path, append(content, make([]byte, 2*4096)...), 0o644); err != nil {
		t.Fatal(err)
	}
	// Map it without touching it.
	d.press(":")
	m, cmd := send(t, d.m, tea.PasteMsg{Content: fmt.Sprintf("int fd = open(%q, O_RDONLY);\nchar* f = mmap(NULL, 12288, PROT_READ, MAP_SHARED, fd, 0);\n", path)})
	d.m = m
	d.run(cmd)
	d.until("the mapping", func(m Model) bool { return !m.busy && len(m.log) >= 2 })
	addr := d.m.log[len(d.m.log)-1].text
	d.refreshed("the file on screen", func(s string) bool { return strings.Contains(s, path) })
	d.press("esc", "enter") // close the console, open the detail pane on the new (selected) mapping
	mp, _, _ := d.m.table.selected()
	if mp == nil || mp.Path != path {
		t.Fatalf("selected %v, want the file mapping (%s)", mp, addr)
	}
	d.until("the page strip", func(m Model) bool { return m.detail.pages != nil && m.detail.pages.start == mp.Start })
	pane := ansi.Strip(strings.Join(d.m.detail.lines, "\n"))
	for _, w := range []string{"Pages", "0 of 3 present", "not present in this process", "0 file/shared"} {
		if !strings.Contains(pane, w) {
			t.Errorf("detail pane lacks %q:\n%s", w, pane)
		}
	}
	after, err := procmaps.ReadPagemap("/proc", tr.Pid(), mp.Start, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range after {
		if p.Present() {
			t.Errorf("page %d is present after mapscope looked at it: looking changed it", i)
		}
	}
	// The process reads its first page itself: now the view shows the bytes.
	d.press(":")
	for _, r := range "char c = f[0];" {
		d.press(string(r))
	}
	d.press("enter")
	d.until("the read", func(m Model) bool { return !m.busy })
	d.press("esc")
	d.until("the bytes in the view", func(m Model) bool {
		return m.detail.pages != nil && len(m.detail.pages.peek.Present) > 0 && m.detail.pages.peek.Present[0]
	})
	// The pane may be taller than the screen: read its laid-out lines.
	pane = ansi.Strip(strings.Join(d.m.detail.lines, "\n"))
	if !strings.Contains(pane, "mapscope") || !strings.Contains(pane, "6d 61 70 73") {
		t.Errorf("the memory view does not show the file's bytes:\n%s", pane)
	}
}

// TestPanels: the /dev/shm and descriptor panels follow the lecture's
// lifecycle in a real subject: the object and its descriptor appear, the
// descriptor goes with close while the mapping stays, and after shm_unlink
// the object is listed as deleted, still mapped.
func TestPanels(t *testing.T) {
	d, tr := labModel(t)
	name := fmt.Sprintf("/mapscope-panels-%d", tr.Pid())
	t.Cleanup(func() { os.Remove("/dev/shm" + name) })
	d.press("S", "F")
	paste := func(src string) {
		t.Helper()
		d.press(":")
		n := len(d.m.log)
		m, cmd := send(t, d.m, tea.PasteMsg{Content: src + "\n"})
		d.m = m
		d.run(cmd)
		d.until("the run", func(m Model) bool { return !m.busy && len(m.log) > n })
		d.press("esc")
	}
	panel := func(what string, ok func(string) bool) string {
		t.Helper()
		d.run(d.m.refresh(d.m.cur))
		d.until(what, func(m Model) bool {
			return !m.panels.reading && ok(ansi.Strip(strings.Join(m.panelLines(160), "\n")))
		})
		return ansi.Strip(strings.Join(d.m.panelLines(160), "\n"))
	}
	pid := fmt.Sprint(tr.Pid())
	paste(fmt.Sprintf("int fd = shm_open(%q, O_CREAT | O_RDWR, 0600);\nftruncate(fd, 8192);\nvoid* p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);", name))
	text := panel("the object, mapped, and its fd", func(s string) bool {
		return strings.Contains(s, "mapped by "+pid) && strings.Contains(s, "/dev/shm"+name)
	})
	if !strings.Contains(text, "8.0K") || !strings.Contains(text, "mapped by "+pid) || !strings.Contains(text, "O_RDWR") {
		t.Errorf("panels after shm_open and mmap:\n%s", text)
	}
	paste("close(fd);\nshm_unlink(\"" + name + "\");")
	text = panel("the unlinked object", func(s string) bool { return strings.Contains(s, name+" (deleted)") })
	if !strings.Contains(text, "mapped by "+pid) || strings.Contains(text, "/dev/shm"+name+" ") {
		t.Errorf("panels after close and shm_unlink:\n%s", text)
	}
}

// TestAddrMapBesideTable: on a wide screen the address-space map sits left
// of the table, marks the selection, and a click on a block selects its
// row; M hides it.
func TestAddrMapBesideTable(t *testing.T) {
	m, _ := fixtureModel(t, 200, 60, Options{Mode: ModeLab})
	s := m.screen()
	if s.amap.w == 0 {
		t.Fatal("no address map at 200 columns")
	}
	lines := strings.Split(plain(m), "\n")
	y := -1
	for i, l := range lines {
		if i >= s.amap.y && i < s.amap.y+s.amap.h && strings.Contains(ansi.Cut(l, 0, s.amap.w), "[heap]") {
			y = i
		}
	}
	if y < 0 {
		t.Fatalf("no [heap] block in the map:\n%s", plain(m))
	}
	m, _ = send(t, m, tea.MouseClickMsg{X: s.amap.x + 3, Y: y, Button: tea.MouseLeft})
	if mp, _, _ := m.table.selected(); mp == nil || mp.Label() != "[heap]" {
		t.Errorf("a click on the [heap] block selected %v", mp)
	}
	if l := ansi.Cut(strings.Split(plain(m), "\n")[y], 0, s.amap.w); !strings.Contains(l, "▶") {
		t.Errorf("the selected block is not marked: %q", l)
	}
	m = press(t, m, "M")
	if m.screen().amap.w != 0 {
		t.Error("M did not hide the map")
	}
}

// TestKindOf: a shm or file page counts as file/shared memory even when
// only this process maps it; private pages are this process's own or,
// after fork, still shared (copy-on-write).
func TestKindOf(t *testing.T) {
	const present, file, excl = procmaps.Page(1 << 63), procmaps.Page(1 << 61), procmaps.Page(1 << 56)
	cases := map[procmaps.Page]pageKind{
		0: pkNone, present | excl: pkOwn, present: pkCOW, present | file: pkFile,
		present | file | excl: pkFile, procmaps.Page(1 << 62): pkSwapped,
	}
	for p, want := range cases {
		if got := kindOf(p); got != want {
			t.Errorf("kindOf(%#x) = %d, want %d", uint64(p), got, want)
		}
	}
}
