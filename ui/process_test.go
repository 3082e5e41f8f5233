package ui

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// startSleep starts `sleep 1000` and kills it when the test ends.
func startSleep(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// Wait until sleep is asleep: exec'd, loaded (libc mapped) and blocked.
	for range 200 {
		if b, err := exec.Command("cat", "/proc/"+strconv.Itoa(cmd.Process.Pid)+"/maps").Output(); err == nil &&
			bytes.Contains(b, []byte("sleep")) && bytes.Contains(b, []byte("libc")) && procState(cmd.Process.Pid) == "S" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cmd.Process.Pid
}

// runCmd runs a command and everything it batches, synchronously, and
// returns the messages. tea.Tick commands are not run (they sleep); the
// caller gets them back in ticks.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, runCmd(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}

// TestRealProcess runs Init's commands against a real sleep, feeds their
// messages to Update, and finds the sleep's mappings on screen.
func TestRealProcess(t *testing.T) {
	pid := startSleep(t)
	m := New(Options{Root: "/proc", PID: pid, Mode: ModeAttached})
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 160, Height: 60})
	for _, msg := range runCmd(m.Init()) {
		m, _ = send(t, m, msg)
	}
	if m.p().snap == nil || m.p().reading {
		t.Fatalf("no snapshot after Init's commands (read error: %v)", m.p().readErr)
	}
	v := plain(m)
	for _, want := range []string{"pid " + strconv.Itoa(pid), "sleep 1000", "attached", "[stack]", "/sleep", "libc"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if !m.p().haveTotals || m.p().totals.Rss == 0 {
		t.Errorf("no totals read: %+v", m.p().totals)
	}

	// The detail pane reads the real smaps of the selected mapping.
	m, cmd := send(t, m, keyMsg("enter"))
	for _, msg := range runCmd(cmd) {
		m, _ = send(t, m, msg)
	}
	// (The pane scrolls: its content is checked, not just what fits.)
	if v := ansi.Strip(strings.Join(m.detail.lines, "\n")); !strings.Contains(v, "Rss") || !strings.Contains(v, "VmFlags") || !strings.Contains(v, "Pages") {
		t.Errorf("detail pane shows no smaps or pages:\n%s", v)
	}

	// A second read of an unchanged process changes nothing.
	builds := m.rowBuilds
	m, cmd = send(t, m, tickMsg{gen: m.gen})
	for _, msg := range runCmd(cmd) {
		m, _ = send(t, m, msg)
	}
	if m.rowBuilds != builds {
		t.Error("an unchanged sleep rebuilt the rows")
	}
}

// TestProgram runs the whole program on a real sleep: it waits for the
// stack row to be drawn, presses q, and checks the model quit.
func TestProgram(t *testing.T) {
	pid := startSleep(t)
	tm := teatest.NewTestModel(t, New(Options{Root: "/proc", PID: pid, Interval: 100 * time.Millisecond}),
		teatest.WithInitialTermSize(120, 60))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return strings.Contains(ansi.Strip(string(b)), "[stack]")
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final, ok := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !ok {
		t.Fatal("final model is not a ui.Model")
	}
	if !final.quitting {
		t.Error("the final model did not quit")
	}
	v := plain(final)
	if !strings.Contains(v, "[stack]") || !strings.Contains(v, "pid "+strconv.Itoa(pid)) || !strings.Contains(v, "q → quit") {
		t.Errorf("final view:\n%s", v)
	}
}
