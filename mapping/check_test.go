package mapping

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCheckAttach predicts Attach without touching the process: a process
// of our own is fine, one that is already traced is refused naming its
// tracer, a missing one is ESRCH.
func TestCheckAttach(t *testing.T) {
	cmd := exec.Command("sleep", "infinity")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if err := CheckAttach(cmd.Process.Pid); err != nil {
		t.Errorf("CheckAttach(own child) = %v", err)
	}
	if st, _ := readProcStatus(cmd.Process.Pid); st.tracerPid != 0 {
		t.Error("CheckAttach traced the process")
	}

	tr := spawnSleeper(t)
	err := CheckAttach(tr.Pid())
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "already traced") {
		t.Errorf("CheckAttach(traced) = %v, want a refusal naming the tracer", err)
	}
	if err := CheckAttach(1 << 22); !errors.Is(err, unix.ESRCH) {
		t.Errorf("CheckAttach(no such pid) = %v, want ESRCH", err)
	}
}
