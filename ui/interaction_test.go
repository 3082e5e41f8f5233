package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestNavigationKeys(t *testing.T) {
	m, _ := fixtureModel(t, 80, 24, Options{})
	n := len(m.table.rows.refs)
	steps := []struct {
		key  string
		want int
	}{
		{"j", 1}, {"down", 2}, {"k", 1}, {"up", 0}, {"up", 0},
		{"G", n - 1}, {"j", n - 1}, {"g", 0},
		{"pgdown", m.table.visible() - 1}, {"pgup", 0},
	}
	for _, s := range steps {
		m = press(t, m, s.key)
		if m.table.sel != s.want {
			t.Fatalf("after %q: selection %d, want %d", s.key, m.table.sel, s.want)
		}
		if m.table.sel < m.table.offset || m.table.sel >= m.table.offset+m.table.visible() {
			t.Fatalf("after %q: selection %d off screen (offset %d)", s.key, m.table.sel, m.table.offset)
		}
	}
	if !strings.Contains(m.echo, "PgUp → page up") {
		t.Errorf("echo %q does not show the last key and its action", m.echo)
	}
}

func TestDetailPane(t *testing.T) {
	m, _ := fixtureModel(t, 200, 60, Options{})
	m = selectLabel(t, m, "[heap]")
	m, cmd := send(t, m, keyMsg("enter"))
	if !m.detail.shown || cmd == nil {
		t.Fatal("enter did not open the pane and read smaps")
	}
	if !strings.Contains(plain(m), "reading smaps…") {
		t.Error("pane does not say it is reading")
	}
	// While that read is in flight, moving asks for another, issued when
	// it lands.
	m, cmd = send(t, m, keyMsg("j"))
	if cmd != nil || !m.detail.again {
		t.Error("a second smaps read started while one was in flight")
	}
	m, cmd = send(t, m, smapsMsg{seq: m.detail.seq, start: 0x01a2b000, smaps: heapSmaps(t)})
	if cmd == nil {
		t.Error("the selection moved on but no new read was issued")
	}
	m = press(t, m, "k")
	m, _ = send(t, m, smapsMsg{seq: m.detail.seq, start: 0x01a2b000, smaps: heapSmaps(t)})
	v := plain(m)
	for _, want := range []string{
		"Private_Dirty    24 kB  resident, modified, mapped by this process only",
		"rd  readable", "sd  soft-dirty", "zz  not known to this version",
		`"Private" in smaps means mapped by this process only, not MAP_PRIVATE`,
	} {
		if !strings.Contains(v, want) {
			t.Errorf("detail pane lacks %q", want)
		}
	}
	// A refresh while the pane is shown reads smaps again.
	m, _ = send(t, m, tickMsg{gen: m.gen})
	if _, cmd := send(t, m, snapshotMsg{snap: m.p().snap, totals: fixtureTotals}); cmd == nil {
		t.Error("a refresh did not re-read smaps while the pane is shown")
	}
	m = press(t, m, "enter")
	if m.detail.shown || strings.Contains(plain(m), "Private_Dirty") {
		t.Error("enter did not close the pane")
	}
}

func TestDetailPanePlacement(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want placement
	}{{200, 60, paneRight}, {100, 40, paneBelow}, {80, 12, paneOnly}, {20, 5, paneOnly}} {
		if got := layout(tc.w, tc.h, true).pane; got != tc.want {
			t.Errorf("%dx%d: pane placed %d, want %d", tc.w, tc.h, got, tc.want)
		}
	}
}

func TestDetailScroll(t *testing.T) {
	m, _ := fixtureModel(t, 80, 24, Options{})
	m = selectLabel(t, m, "[heap]")
	m = press(t, m, "enter")
	m, _ = send(t, m, smapsMsg{seq: m.detail.seq, start: 0x01a2b000, smaps: heapSmaps(t)})
	for range 20 {
		m = press(t, m, "ctrl+d")
	}
	if m.detail.scroll == 0 || !strings.Contains(plain(m), "MAP_PRIVATE page that a fork child") {
		t.Errorf("ctrl+d did not scroll to the end (scroll %d)", m.detail.scroll)
	}
	s := layout(80, 24, true)
	before := m.detail.scroll
	m, _ = send(t, m, tea.MouseWheelMsg{X: 5, Y: s.detail.y + 2, Button: tea.MouseWheelUp})
	if m.detail.scroll != before-3 {
		t.Errorf("wheel over the pane scrolled it to %d, want %d", m.detail.scroll, before-3)
	}
}

func TestFilter(t *testing.T) {
	m, _ := fixtureModel(t, 100, 30, Options{})
	for _, tc := range []struct {
		text string
		want int
	}{{"libc", 5}, {"LIBC", 0}, {"heap", 1}, {"shm", 1}, {"rw-s", 2}, {"rw libc", 1}, {"anon", 4}} {
		mm := press(t, m, append([]string{"/"}, strings.Split(tc.text, "")...)...)
		if !mm.editing {
			t.Fatal("/ did not open the filter")
		}
		if got := mm.table.rows.shown; got != tc.want {
			t.Errorf("filter %q keeps %d rows, want %d", tc.text, got, tc.want)
		}
		info := fmt.Sprintf("filter: %s (%d of 28)", tc.text, tc.want)
		if !strings.Contains(plain(mm), info) {
			t.Errorf("header lacks %q", info)
		}
	}
	m = press(t, m, "/", "l", "i", "b", "c", "enter")
	if m.editing || m.table.rows.shown != 5 {
		t.Fatal("enter did not keep the filter")
	}
	if got := selectedLabel(t, m); !strings.Contains(got, "libc") {
		t.Errorf("selection %q is not a row the filter keeps", got)
	}
	m = press(t, m, "j", "esc")
	if m.filter.active() || m.table.rows.shown != 28 {
		t.Error("esc did not clear the filter")
	}
	if got := selectedLabel(t, m); !strings.Contains(got, "libc") {
		t.Errorf("clearing the filter lost the selection: %q", got)
	}
	m = press(t, m, "g", "/", "down")
	if m.table.sel != 1 || !m.editing {
		t.Error("↓ did not move the selection while filtering")
	}
	m = press(t, m, "q", "j")
	if m.quitting || m.input.Value() != "qj" {
		t.Error("q or j typed into the filter acted as keys")
	}
	if m = press(t, m, "esc"); m.filter.active() || m.editing {
		t.Error("esc left the filter open")
	}
	if _, cmd := send(t, press(t, m, "/"), keyMsg("ctrl+c")); cmd == nil {
		t.Error("ctrl+c does not quit while filtering")
	}
}

// TestReadOnlyActionsExplain: in read-only mode the action keys stay on and
// say why nothing happens, naming the reason; nothing opens.
func TestReadOnlyActionsExplain(t *testing.T) {
	reason := "it belongs to user root (uid 0); run mapscope as that user, or with sudo (CAP_SYS_PTRACE)"
	m, _ := fixtureModel(t, 160, 30, Options{Mode: ModeReadOnly, ReadOnlyReason: reason})
	for _, key := range []string{"m", "u", "p", "s", "a", "w", "r", "f", "o", "t", "c", "x"} {
		mm := press(t, m, key)
		if mm.form != nil || mm.ask != nil {
			t.Errorf("%s opened a form or a question in read-only mode", key)
		}
		if !strings.Contains(plain(mm), "read-only: it belongs to user root") {
			t.Errorf("%s: the reason is not on screen: %q", key, mm.status)
		}
	}
}

func TestHelpScreen(t *testing.T) {
	m, _ := fixtureModel(t, 80, 24, Options{})
	m = press(t, m, "?")
	v := plain(m)
	for range 60 { // scroll through it all
		m = press(t, m, "j")
		v += plain(m)
	}
	for _, want := range []string{"Move", "View", "Filter", "Memory", "mmap…", "Colours", "code", "first mapping"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if m.helpTop == 0 || !strings.Contains(plain(m), "3*4096") {
		t.Errorf("help does not scroll to its end (top %d)", m.helpTop)
	}
	if m.table.sel != 0 {
		t.Error("keys in help moved the table")
	}
	m = press(t, m, "esc")
	if m.showHelp {
		t.Error("esc did not close help")
	}
}

func TestMouse(t *testing.T) {
	m, _ := fixtureModel(t, 80, 24, Options{})
	s := layout(80, 24, false)
	m, _ = send(t, m, tea.MouseClickMsg{X: 10, Y: s.table.y + 1 + 4, Button: tea.MouseLeft})
	if m.table.sel != 4 {
		t.Fatalf("click on the fifth row selected row %d", m.table.sel)
	}
	m, _ = send(t, m, tea.MouseClickMsg{X: 10, Y: s.table.y, Button: tea.MouseLeft})
	if m.table.sel != 4 {
		t.Error("a click on the column titles changed the selection")
	}
	m, _ = send(t, m, tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
	if m.table.offset != 3 || m.table.sel != 4 {
		t.Errorf("wheel down: offset %d selection %d, want 3 and 4", m.table.offset, m.table.sel)
	}
	for range 5 {
		m, _ = send(t, m, tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
	}
	if max := len(m.table.rows.refs) - m.table.visible(); m.table.offset != max || m.table.sel < m.table.offset {
		t.Errorf("wheel past the end: offset %d (max %d), selection %d", m.table.offset, max, m.table.sel)
	}
}

func TestQuit(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m, _ := fixtureModel(t, 80, 24, Options{})
		m, cmd := send(t, m, keyMsg(k))
		if !m.quitting || cmd == nil {
			t.Fatalf("%s did not quit", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s: command is not tea.Quit", k)
		}
	}
}

func TestFilterPaste(t *testing.T) {
	m, _ := fixtureModel(t, 100, 30, Options{})
	m = press(t, m, "/")
	m, _ = send(t, m, tea.PasteMsg{Content: "ld-linux"})
	if m.table.rows.shown != 5 || !strings.Contains(plain(m), "filter: ld-linux (5 of 28)") {
		t.Errorf("pasted filter keeps %d rows", m.table.rows.shown)
	}
}

func TestExitedDetailSaysGone(t *testing.T) {
	m, _ := fixtureModel(t, 200, 60, Options{})
	m, _ = send(t, m, exitedMsg{id: 0, status: "exited (status 0)"})
	m, cmd := send(t, m, keyMsg("enter"))
	if cmd != nil {
		t.Error("smaps read for a process that is gone")
	}
	if !strings.Contains(plain(m), "The process is gone") {
		t.Error("detail pane does not say the process is gone")
	}
}
