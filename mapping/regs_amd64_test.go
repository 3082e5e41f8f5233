package mapping

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// System calls the tests find their subjects blocked in.
const (
	sysPause          = unix.SYS_PAUSE
	sysRead           = unix.SYS_READ
	sysClockNanosleep = unix.SYS_CLOCK_NANOSLEEP
)

// interrupted returns the system call and the restart code (positive) the
// last operation found the process in.
func interrupted(tr *Tracee) (nr int64, code int64) {
	var r regs
	_ = tr.th.do(func() error { r = tr.lastStop; return nil })
	return r.syscallNr(), -int64(r.result())
}

// TestRestartFixup checks fact 6's fix-up for all four restart codes, for a
// completed call and outside a call.
func TestRestartFixup(t *testing.T) {
	const rip = 0x401002
	neg := func(v int64) uint64 { return uint64(-v) }
	cases := []struct {
		name             string
		orig, rax        uint64
		wantRax, wantRip uint64
	}{
		{"ERESTARTSYS read", 0, neg(512), 0, rip - 2},
		{"ERESTARTNOINTR", 61, neg(513), 61, rip - 2},
		{"ERESTARTNOHAND pause", 34, neg(514), 34, rip - 2},
		{"ERESTART_RESTARTBLOCK nanosleep", 230, neg(516), 219, rip - 2},
		{"completed call", 0, 5, 5, rip},
		{"not in a call", ^uint64(0), neg(512), neg(512), rip},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r regs
			r.r.Orig_rax, r.r.Rax, r.r.Rip = c.orig, c.rax, rip
			got := r.restartFixup()
			if got.r.Rax != c.wantRax || got.r.Rip != c.wantRip || got.r.Orig_rax != ^uint64(0) {
				t.Errorf("got rax %d rip %#x orig_rax %d, want rax %d rip %#x orig_rax -1",
					int64(got.r.Rax), got.r.Rip, int64(got.r.Orig_rax), int64(c.wantRax), c.wantRip)
			}
		})
	}
}

func checkUnlinkNumber(t *testing.T) {
	if sysno.unlink != unix.SYS_UNLINK {
		t.Errorf("unlink = %d, the kernel says %d", sysno.unlink, unix.SYS_UNLINK)
	}
}

// TestCompatRefused: a process running 32-bit code is refused, both at
// attach and when a spawned subject switches later, and keeps running.
func TestCompatRefused(t *testing.T) {
	bin := buildC(t, "compat")
	cmd := exec.Command(bin)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if l := nextLine(t, pipeLines(out.(*os.File))); l != "ready" {
		t.Fatalf("subject said %q", l)
	}
	pid := cmd.Process.Pid
	var err error
	eventually(t, "the subject to run 32-bit code", func() bool {
		var tr *Tracee
		if tr, err = Attach(pid); err == nil {
			_ = tr.Close() // still in 64-bit code: try again
		}
		return err != nil
	})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "32-bit") {
		t.Errorf("Attach = %v, want a 32-bit refusal", err)
	}
	if st, tracer := state(pid), statusField(t, pid, "TracerPid"); st != "R" || tracer != "0" {
		t.Errorf("after the refusal: state %s, TracerPid %s; want R, 0", st, tracer)
	}

	r, w, _ := os.Pipe()
	defer r.Close()
	tr := spawn(t, []string{bin}, &SpawnOptions{Stdout: w})
	w.Close()
	if l := nextLine(t, pipeLines(r)); l != "ready" {
		t.Fatalf("subject said %q", l)
	}
	eventually(t, "the spawned subject to run 32-bit code", func() bool {
		c, err := tr.Getpid()
		if err == nil {
			return false
		}
		if !errors.Is(err, ErrRefused) || c.Done {
			t.Fatalf("Getpid = %v, want a 32-bit refusal", err)
		}
		return true
	})
	if st := state(tr.Pid()); st != "R" {
		t.Errorf("after the refusal the subject is %s, want R", st)
	}
}
