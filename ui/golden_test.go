package ui

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

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
			m, _ = send(t, m, ExitedMsg{Status: "killed by SIGKILL"})
			return m
		}},
		{"disabled_action", func(t *testing.T, m Model, clk *clock) Model { return press(t, m, "j", "m") }},
	}
	sizes := []struct{ w, h int }{{80, 24}, {200, 60}, {20, 5}}
	for _, sz := range sizes {
		for _, st := range states {
			if sz.w == 20 && st.name != "table" && st.name != "detail" {
				continue
			}
			t.Run(fmt.Sprintf("%s_%dx%d", st.name, sz.w, sz.h), func(t *testing.T) {
				m, clk := fixtureModel(t, sz.w, sz.h, Options{Mode: ModeLab})
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
