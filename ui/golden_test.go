package ui

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"golang.org/x/sys/unix"

	"mapscope/mapping"
)

// fixtureLog is a call log as a lab session would leave it: a mapping, an
// open, the lecture's EACCES, and a write into a read-only page.
var fixtureLog = []logEntry{
	{pid: 4242, text: "mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)", result: "= 0x7f3a1c000000", addr: 0x7f3a1c000000, fd: -1},
	{pid: 4242, text: `open("/tmp/notes.txt", O_RDONLY)`, result: "= 3", fd: 3},
	{pid: 4242, text: "mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0)", result: "= -1 EACCES (Permission denied)", bad: true,
		why: why(mapping.Call{Name: "mmap", Errno: unix.EACCES}), fd: -1},
	{pid: 4242, text: `strcpy((char*)0x7f3a1c400000, "hi")`, result: "→ SIGSEGV (SEGV_ACCERR)", bad: true,
		why: "the process would crash here: SIGSEGV (SEGV_ACCERR) writing 0x7f3a1c400000: the mapping is r--p, not writable", fd: -1},
}

// TestGolden compares the text of the screen (styling stripped) in named
// states with testdata/TestGolden/*.golden. Regenerate them with
//
//	go test ./ui -run TestGolden -update
func TestGolden(t *testing.T) {
	states := []struct {
		name  string
		setup func(t *testing.T, m Model, clk *clock) Model
	}{
		{"table", func(t *testing.T, m Model, clk *clock) Model { return m }},
		{"changes", func(t *testing.T, m Model, clk *clock) Model {
			return withChanges(t, m, clk)
		}},
		{"detail", func(t *testing.T, m Model, clk *clock) Model {
			m = selectLabel(t, m, "[heap]")
			m = press(t, m, "enter")
			m, _ = send(t, m, smapsMsg{seq: m.detail.seq, start: 0x01a2b000, smaps: heapSmaps(t)})
			return m
		}},
		{"help", func(t *testing.T, m Model, clk *clock) Model { return press(t, m, "?") }},
		{"filter", func(t *testing.T, m Model, clk *clock) Model { return press(t, m, "/", "l", "i", "b", "c") }},
		{"filter_kept", func(t *testing.T, m Model, clk *clock) Model {
			return press(t, m, "/", "r", "w", "enter")
		}},
		{"exited", func(t *testing.T, m Model, clk *clock) Model {
			m, _ = send(t, m, exitedMsg{id: 0, status: "killed by SIGKILL"})
			return m
		}},
		{"split_one_process", func(t *testing.T, m Model, clk *clock) Model { return press(t, m, "j", "v") }},
		{"mmap_form", func(t *testing.T, m Model, clk *clock) Model { return press(t, m, "m") }},
		{"munmap_form_error", func(t *testing.T, m Model, clk *clock) Model {
			m = selectLabel(t, m, "[heap]")
			return press(t, m, "u", "backspace", "7")
		}},
		{"call_log", func(t *testing.T, m Model, clk *clock) Model {
			m, _ = send(t, m, actionMsg{id: 0, entries: fixtureLog})
			return m
		}},
		{"tabs", func(t *testing.T, m Model, clk *clock) Model {
			j := m.addProc(4243, "child", 4242, nil)
			m, _ = send(t, m, snapshotMsg{id: m.procs[j].id, snap: parseMaps(t, fixtureMaps, 1), changed: true, totals: fixtureTotals})
			return press(t, m, "tab")
		}},
	}
	sizes := []struct{ w, h int }{{80, 24}, {200, 60}, {20, 5}}
	for _, sz := range sizes {
		for _, st := range states {
			if sz.w == 20 && st.name != "table" && st.name != "detail" {
				continue
			}
			t.Run(fmt.Sprintf("%s_%dx%d", st.name, sz.w, sz.h), func(t *testing.T) {
				m, clk := fixtureModel(t, sz.w, sz.h, Options{Mode: ModeLab, Target: mapping.NewSelf()})
				m = st.setup(t, m, clk)
				golden.RequireEqual(t, plain(m))
			})
		}
	}
	t.Run("read_only_80x24", func(t *testing.T) {
		m, _ := fixtureModel(t, 80, 24, Options{Mode: ModeReadOnly, ReadOnlyReason: "ptrace_scope is 1: run as root or grant CAP_SYS_PTRACE"})
		golden.RequireEqual(t, plain(m))
	})
	t.Run("no_color_changes_80x24", func(t *testing.T) {
		m, clk := fixtureModel(t, 80, 24, Options{NoColor: true})
		golden.RequireEqual(t, plain(withChanges(t, m, clk)))
	})
}
