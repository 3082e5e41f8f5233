package ui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"mapscope/procmaps"
)

func selectedLabel(t *testing.T, m Model) string {
	t.Helper()
	mp, _, ok := m.table.selected()
	if !ok {
		t.Fatal("nothing selected")
	}
	return mp.Label()
}

func TestSelectionFollowsMappingAcrossRefresh(t *testing.T) {
	m, clk := fixtureModel(t, 80, 24, Options{})
	m = selectLabel(t, m, "/home/ada/notes.txt")
	line := m.table.sel - m.table.offset
	m = withChanges(t, m, clk) // a split and a new mapping appear above it
	if got := selectedLabel(t, m); got != "/home/ada/notes.txt" {
		t.Fatalf("selection moved to %q", got)
	}
	if m.table.sel-m.table.offset != line {
		t.Errorf("selected row moved on screen from line %d to %d", line, m.table.sel-m.table.offset)
	}

	// When the selected mapping goes, its ghost keeps the selection.
	m = selectLabel(t, m, "/tmp/two  spaces\\012newline")
	gone := strings.Replace(fixtureChanged, "/tmp/two  spaces\\012newline", "", 1)
	gone = strings.Replace(gone, "7f3a1c905000-7f3a1c906000 r--p 00000000 08:02 2101                       \n", "", 1)
	clk.Advance(time.Second)
	m, _ = send(t, m, snapshotMsg{snap: parseMaps(t, gone, 3), changed: true})
	if mp, ghost, _ := m.table.selected(); !ghost || mp.Start != 0x7f3a1c905000 {
		t.Errorf("selection on %v (ghost %v), want the ghost of the removed mapping", mp, ghost)
	}
}

func TestUnchangedSnapshotDoesNotRebuildRows(t *testing.T) {
	m, clk := fixtureModel(t, 80, 24, Options{})
	builds := m.rowBuilds
	snap := m.p().snap
	for range 5 {
		clk.Advance(500 * time.Millisecond)
		var cmd tea.Cmd
		m, cmd = send(t, m, tickMsg{gen: m.gen})
		if cmd == nil {
			t.Fatal("a tick started no read")
		}
		m, _ = send(t, m, snapshotMsg{snap: snap, changed: false, totals: fixtureTotals})
	}
	if m.rowBuilds != builds {
		t.Errorf("rows rebuilt %d times for unchanged snapshots", m.rowBuilds-builds)
	}
	m = withChanges(t, m, clk)
	if m.rowBuilds != builds+1 {
		t.Errorf("a changed snapshot rebuilt the rows %d times, want once", m.rowBuilds-builds)
	}
}

func TestOneReadInFlight(t *testing.T) {
	m := New(Options{Root: "/nonexistent", PID: 1, Now: newClock().Now})
	if !m.p().reading {
		t.Fatal("New does not count Init's read as in flight")
	}
	if _, cmd := send(t, m, tickMsg{gen: m.gen}); cmd != nil {
		t.Error("a tick started a read while Init's was in flight")
	}
	m, cmd := send(t, m, snapshotMsg{snap: parseMaps(t, fixtureMaps, 1), changed: true})
	if cmd == nil {
		t.Fatal("no tick scheduled after a snapshot")
	}
	m, cmd = send(t, m, tickMsg{gen: m.gen})
	if cmd == nil || !m.p().reading {
		t.Fatal("a tick did not start a read")
	}
	if _, cmd = send(t, m, tickMsg{gen: m.gen}); cmd != nil {
		t.Error("a second tick started a second read")
	}
	// Pausing and resuming while a read is in flight does not start another.
	m = press(t, m, "space", "space")
	if m.paused {
		t.Fatal("space twice left it paused")
	}
	if _, cmd := send(t, m, keyMsg("space")); cmd != nil {
		t.Error("pausing returned a command")
	}
}

func TestPauseStopsTicks(t *testing.T) {
	m, _ := fixtureModel(t, 80, 24, Options{})
	old := m.gen
	m = press(t, m, "space")
	if !m.paused || !strings.Contains(plain(m), "paused") {
		t.Fatal("space did not pause")
	}
	for _, gen := range []int{old, m.gen} {
		if _, cmd := send(t, m, tickMsg{gen: gen}); cmd != nil {
			t.Errorf("tick of generation %d ran while paused", gen)
		}
	}
	var cmd tea.Cmd
	m, cmd = send(t, m, keyMsg("space"))
	if m.paused || cmd == nil || !m.p().reading {
		t.Fatal("resuming did not read at once")
	}
	if _, cmd := send(t, m, tickMsg{gen: old}); cmd != nil {
		t.Error("a stale tick from before the pause was not dropped")
	}
	if !strings.Contains(plain(m), "live · 500ms") {
		t.Error("header does not say live after resuming")
	}
}

func TestExit(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  tea.Msg
		want string
	}{
		{"exitedMsg", exitedMsg{id: 0, status: "exited (status 3)"}, "exited (status 3)"},
		{"no process", snapshotMsg{err: fmt.Errorf("pid 4242: %w", procmaps.ErrNoProcess)}, "exited"},
		{"zombie", snapshotMsg{err: fmt.Errorf("pid 4242: %w", procmaps.ErrNoMappings)}, "exited"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := fixtureModel(t, 100, 30, Options{})
			m, _ = send(t, m, tickMsg{gen: m.gen})
			m, cmd := send(t, m, tc.msg)
			if _, ok := tc.msg.(snapshotMsg); ok && cmd != nil {
				t.Error("a tick was scheduled for a process that is gone")
			}
			if !m.p().exited {
				t.Fatal("not marked exited")
			}
			v := plain(m)
			if !strings.Contains(v, "✖ "+tc.want) || !strings.Contains(v, "[heap]") {
				t.Errorf("view lacks the exit status or the last snapshot:\n%s", v)
			}
			if _, cmd := send(t, m, tickMsg{gen: m.gen}); cmd != nil {
				t.Error("a tick read after exit")
			}
			if _, cmd := send(t, m, keyMsg("space")); cmd != nil {
				t.Error("resuming after exit read")
			}
		})
	}
}

func TestReadErrorKeepsTicking(t *testing.T) {
	m, _ := fixtureModel(t, 100, 30, Options{})
	m, _ = send(t, m, tickMsg{gen: m.gen})
	m, cmd := send(t, m, snapshotMsg{snap: m.p().snap, err: fmt.Errorf("/proc/4242/maps: permission denied")})
	if cmd == nil || m.p().exited {
		t.Fatal("a transient error stopped refreshing")
	}
	if !strings.Contains(plain(m), "read failed: /proc/4242/maps: permission denied") {
		t.Error("the error is not shown")
	}
}

func TestResizeKeepsSelectionVisible(t *testing.T) {
	m, _ := fixtureModel(t, 80, 24, Options{})
	m = press(t, m, "G")
	for _, h := range []int{6, 40, 8, 24} {
		m, _ = send(t, m, tea.WindowSizeMsg{Width: 80, Height: h})
		if vis := m.table.visible(); vis > 0 && (m.table.sel < m.table.offset || m.table.sel >= m.table.offset+vis) {
			t.Errorf("height %d: selection %d outside [%d, %d)", h, m.table.sel, m.table.offset, m.table.offset+vis)
		}
		if n := len(m.table.rows.refs); m.table.offset > max(0, n-m.table.visible()) {
			t.Errorf("height %d: offset %d leaves the screen part empty", h, m.table.offset)
		}
	}
}

func TestBackgroundColorRebuildsStyles(t *testing.T) {
	m, _ := fixtureModel(t, 80, 24, Options{Theme: "auto"})
	if !m.isDark {
		t.Fatal("auto does not start dark")
	}
	dark := m.styles.pairs[0]
	m, _ = send(t, m, tea.BackgroundColorMsg{Color: color.White})
	if m.isDark || m.styles.pairs[0].bg == dark.bg {
		t.Error("a light background did not switch to the light styles")
	}
	forced, _ := fixtureModel(t, 80, 24, Options{Theme: "dark"})
	forced, _ = send(t, forced, tea.BackgroundColorMsg{Color: color.White})
	if forced.styles.pairs[0].bg != dark.bg {
		t.Error(`theme "dark" followed the terminal background`)
	}
}

func TestViewFields(t *testing.T) {
	m, _ := fixtureModel(t, 80, 24, Options{})
	v := m.View()
	if !v.AltScreen || v.MouseMode != tea.MouseModeCellMotion || v.WindowTitle != "mapscope — pid 4242" {
		t.Errorf("view: alt screen %v, mouse %v, title %q", v.AltScreen, v.MouseMode, v.WindowTitle)
	}
	if v.BackgroundColor != nil {
		t.Error("the dark theme paints the terminal background")
	}
	p, _ := fixtureModel(t, 80, 24, Options{Theme: "projector"})
	if p.View().BackgroundColor == nil {
		t.Error("the projector theme does not set the terminal background")
	}
}
