package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const page = 4096

// TestSleeperOperations runs each memory operation in a spawned `sleep
// infinity` and checks the result in /proc; afterwards the subject must
// still be asleep in pause, with its code untouched, and die of SIGTERM.
func TestSleeperOperations(t *testing.T) {
	tr := spawnSleeper(t)
	pid := tr.Pid()
	wchanBefore := wchan(t, pid)

	c := ok(t)(tr.Mmap(0, 4*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0))
	addr := c.Addr()
	if want := "mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) = 0x" + strconv.FormatUint(addr, 16); c.String() != want {
		t.Errorf("call = %q, want %q", c, want)
	}
	if nr, code := interrupted(tr); nr != sysPause || code != errRestartNoHandCode {
		t.Errorf("sleep was stopped in syscall %d with restart code %d, want pause (%d) with ERESTARTNOHAND", nr, code, sysPause)
	}
	m, found := mappingAt(t, pid, addr)
	if !found || m.start != addr || m.end != addr+4*page || m.perms != "rw-p" {
		t.Fatalf("maps after mmap: %+v (found %v), want %x-%x rw-p", m, found, addr, addr+4*page)
	}

	pattern := bytes.Repeat([]byte{0xa5}, 4*page)
	if n, err := tr.WriteMemory(addr, pattern); err != nil || n != len(pattern) {
		t.Fatalf("WriteMemory = %d, %v", n, err)
	}
	if rss := smapsOf(t, pid, addr)["Rss"]; rss != 16 {
		t.Errorf("Rss after writing 4 pages = %d kB, want 16", rss)
	}

	ok(t)(tr.Mprotect(addr, 2*page, unix.PROT_READ))
	lo, _ := mappingAt(t, pid, addr)
	hi, _ := mappingAt(t, pid, addr+2*page)
	if lo.start != addr || lo.end != addr+2*page || lo.perms != "r--p" || hi.start != addr+2*page || hi.perms != "rw-p" {
		t.Errorf("mprotect of half did not split the mapping: %+v %+v", lo, hi)
	}

	ok(t)(tr.Msync(addr, 4*page, unix.MS_SYNC))
	ok(t)(tr.Madvise(addr, 4*page, unix.MADV_DONTNEED))
	if rss := smapsOf(t, pid, addr)["Rss"] + smapsOf(t, pid, addr+2*page)["Rss"]; rss != 0 {
		t.Errorf("Rss after MADV_DONTNEED = %d kB, want 0", rss)
	}
	got, err := tr.ReadMemory(addr, 4*page)
	if err != nil || !bytes.Equal(got, make([]byte, 4*page)) {
		t.Errorf("pages after MADV_DONTNEED do not read back as zeros (err %v)", err)
	}

	ok(t)(tr.Munmap(addr, 4*page))
	if m, found := mappingAt(t, pid, addr); found {
		t.Errorf("mapping still there after munmap: %+v", m)
	}

	eventually(t, "the subject to sleep again", func() bool { return state(pid) == "S" })
	if syscallOf(pid) != sysPause || wchan(t, pid) != wchanBefore {
		t.Errorf("subject now in syscall %d, wchan %q; before: pause, %q", syscallOf(pid), wchan(t, pid), wchanBefore)
	}
	checkCodeClean(t, pid)

	if err := unix.Kill(pid, unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tr.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("the subject did not die of SIGTERM")
	}
	if st, _ := tr.Exited(); st.Signal != unix.SIGTERM {
		t.Errorf("subject ended %s, want killed by SIGTERM", st)
	}
	eventually(t, "the subject to disappear", func() bool { return state(pid) == "" })
	if _, err := tr.Getpid(); !errors.Is(err, ErrExited) {
		t.Errorf("operation on a dead subject: %v, want ErrExited", err)
	}
}

// errRestartNoHandCode is ERESTARTNOHAND as interrupted reports it (0 on
// arm64, where the code is not visible).
var errRestartNoHandCode = map[bool]int64{true: 514, false: 0}[syscallInsn[0] == 0x0f]

// checkCodeClean fails if any executable mapping has a private dirty page:
// nothing may be written into the subject's code (engine.md fact 4).
func checkCodeClean(t *testing.T, pid int) {
	t.Helper()
	checked := 0
	for _, m := range procMaps(t, pid) {
		if m.perms[2] != 'x' || m.path == "[vsyscall]" {
			continue
		}
		checked++
		if d := smapsOf(t, pid, m.start)["Private_Dirty"]; d != 0 {
			t.Errorf("code mapping %x %s %s has Private_Dirty %d kB", m.start, m.perms, m.path, d)
		}
	}
	if checked < 3 {
		t.Errorf("only %d code mappings found", checked)
	}
}

// TestAttachActDetach attaches to a process mapscope did not start, maps
// memory in it and detaches: the process runs on, untraced.
func TestAttachActDetach(t *testing.T) {
	cmd := exec.Command("sleep", "infinity")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	waitBlockedIn(t, pid, sysPause)

	tr, err := Attach(pid)
	if err != nil {
		t.Fatal(err)
	}
	if got := tracerProcess(t, pid); got != os.Getpid() {
		t.Errorf("tracer while attached = %d, want this process %d", got, os.Getpid())
	}
	c := ok(t)(tr.Mmap(0, page, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0))
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if got := statusField(t, pid, "TracerPid"); got != "0" {
		t.Errorf("TracerPid after Close = %s, want 0", got)
	}
	eventually(t, "the process to sleep", func() bool { return state(pid) == "S" && syscallOf(pid) == sysPause })
	if _, found := mappingAt(t, pid, c.Addr()); !found {
		t.Error("the mapping made while attached is gone")
	}
	if err := tr.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "terminated") {
		t.Errorf("after detach the process did not end normally on SIGTERM: %v", err)
	}
}

// TestSubjectDiesWithMapscope kills a helper process that spawned a subject
// and forked it: PTRACE_O_EXITKILL must take both with it.
func TestSubjectDiesWithMapscope(t *testing.T) {
	// Orphans come to this test process, which can then see how they died.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) }()

	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"=spawn")
	out, _ := helper.StdoutPipe()
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	var pid, child int
	if _, err := fmt.Fscan(out, &pid, &child); err != nil {
		t.Fatalf("helper did not print the subject's and the child's PIDs: %v", err)
	}
	for _, p := range []int{pid, child} {
		if got := tracerProcess(t, p); got != helper.Process.Pid {
			t.Fatalf("tracer of %d = %d, want the helper %d", p, got, helper.Process.Pid)
		}
	}
	_ = helper.Process.Kill()
	_ = helper.Wait()

	for _, p := range []int{pid, child} {
		done := make(chan unix.WaitStatus, 1)
		go func() {
			var ws unix.WaitStatus
			_, _ = unix.Wait4(p, &ws, 0, nil)
			done <- ws
		}()
		select {
		case ws := <-done:
			if !ws.Signaled() || ws.Signal() != unix.SIGKILL {
				t.Errorf("process %d ended with status %v, want killed by SIGKILL", p, ws)
			}
		case <-time.After(3 * time.Second):
			_ = unix.Kill(p, unix.SIGKILL)
			t.Errorf("process %d outlived its tracer", p)
		}
	}
}

// TestSeccompRefused: a process under a seccomp filter is refused, both at
// attach and when a spawned subject installs a filter later, and keeps
// running.
func TestSeccompRefused(t *testing.T) {
	bin := buildC(t, "filtered")

	cmd := exec.Command(bin)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if line := nextLine(t, pipeLines(out.(*os.File))); line != "ready" {
		t.Fatalf("subject said %q", line)
	}
	pid := cmd.Process.Pid
	if got := statusField(t, pid, "Seccomp"); got != "2" {
		t.Fatalf("Seccomp = %s, want 2", got)
	}
	_, err := Attach(pid)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "seccomp") {
		t.Errorf("Attach error = %v, want a refusal mentioning seccomp", err)
	}
	waitBlockedIn(t, pid, sysPause)
	if tracer := statusField(t, pid, "TracerPid"); tracer != "0" {
		t.Errorf("after the refusal: TracerPid %s, want 0", tracer)
	}

	r, w, _ := os.Pipe()
	defer r.Close()
	tr := spawn(t, []string{bin}, &SpawnOptions{Stdout: w})
	w.Close()
	if line := nextLine(t, pipeLines(r)); line != "ready" {
		t.Fatalf("subject said %q", line)
	}
	c, err := tr.Getpid()
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "seccomp") || c.Done {
		t.Errorf("operation on a filtered subject: %v (call %s), want a seccomp refusal", err, c)
	}
	waitBlockedIn(t, tr.Pid(), sysPause)
}

// TestAttachRefusals: a traced process and a missing PID are refused with a
// message; EPERM names the rule (here: another user's process).
func TestAttachRefusals(t *testing.T) {
	tr := spawnSleeper(t)
	_, err := Attach(tr.Pid())
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), fmt.Sprintf("already traced by process %d", os.Getpid())) {
		t.Errorf("attach to a traced process: %v", err)
	}
	if _, err := Attach(1 << 30); !errors.Is(err, unix.ESRCH) {
		t.Errorf("attach to a missing PID: %v, want ESRCH", err)
	}

	if os.Geteuid() != 0 {
		t.Skip("the EPERM case needs root to run a helper as another user")
	}
	// The helper runs as nobody and tries to attach to a root process.
	dir, err := os.MkdirTemp("", "mapping-eperm")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "mapping.test")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	helper := exec.Command(bin, "-test.run=^$")
	helper.Dir = dir
	helper.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	victim := exec.Command("sleep", "infinity") // root's, and not traced
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = victim.Process.Kill(); _ = victim.Wait() }()
	helper.Env = append(os.Environ(), helperEnv+"=attach", "MAPPING_TEST_PID="+strconv.Itoa(victim.Process.Pid))
	out, err := helper.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	msg := string(out)
	if !strings.Contains(msg, "belongs to user root (uid 0)") || !strings.Contains(msg, "run mapscope as that user, or with sudo") {
		t.Errorf("EPERM message = %q, want it to name the owner and the fix", msg)
	}
}

// TestDeathDuringCall kills the subject while an injected call blocks in it
// (an open of a FIFO without a writer): the operation returns an error
// saying so instead of hanging.
func TestDeathDuringCall(t *testing.T) {
	tr := spawnSleeper(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(200*time.Millisecond, func() { _ = unix.Kill(tr.Pid(), unix.SIGKILL) })
	start := time.Now()
	c, err := tr.Open(fifo, unix.O_RDONLY, 0)
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "killed by SIGKILL") {
		t.Errorf("open during death: %v (call %s), want the process killed by SIGKILL", err, c)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the operation took %v to notice", d)
	}
}

// TestBlockingCallTimesOut: an injected call that blocks longer than the
// call timeout is interrupted and reported; the subject goes back to sleep.
func TestBlockingCallTimesOut(t *testing.T) {
	tr := spawnSleeper(t)
	tr.SetCallTimeout(200 * time.Millisecond)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := tr.Open(fifo, unix.O_RDONLY, 0)
	if !errors.Is(err, ErrTimeout) || c.Errno != unix.EINTR {
		t.Errorf("blocking open: %v, call %s; want ErrTimeout and EINTR", err, c)
	}
	waitBlockedIn(t, tr.Pid(), sysPause)
	ok(t)(tr.Getpid())
	checkCodeClean(t, tr.Pid())
}

// TestAttachStoppedProcess: a process stopped by SIGSTOP can be attached to
// and acted on, and is left stopped (not traced) until SIGCONT.
func TestAttachStoppedProcess(t *testing.T) {
	cmd := exec.Command("sleep", "infinity")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	waitBlockedIn(t, pid, sysPause)
	_ = unix.Kill(pid, unix.SIGSTOP)
	eventually(t, "the process to stop", func() bool { return state(pid) == "T" })

	tr, err := Attach(pid)
	if err != nil {
		t.Fatal(err)
	}
	c := ok(t)(tr.Mmap(0, page, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0))
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	// Detaching wakes the task inside the kernel for a moment so that it
	// re-enters the group-stop by itself; it does not reach user code.
	eventually(t, "the detached process to be stopped", func() bool { return state(pid) == "T" })
	time.Sleep(50 * time.Millisecond)
	if st, tracer := state(pid), statusField(t, pid, "TracerPid"); st != "T" || tracer != "0" {
		t.Errorf("after detach: state %s, TracerPid %s; want T (stopped), 0", st, tracer)
	}
	if _, found := mappingAt(t, pid, c.Addr()); !found {
		t.Error("the mapping made while stopped is gone")
	}
	_ = unix.Kill(pid, unix.SIGCONT)
	waitBlockedIn(t, pid, sysPause)
}

// TestScratchRestored: the path an open passes is written below the red
// zone of the subject's stack (engine.md fact 8) and the bytes it replaced
// are put back.
func TestScratchRestored(t *testing.T) {
	tr := spawnSleeper(t)
	pid := tr.Pid()
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
	f := strings.Fields(string(data))
	sp, err := strconv.ParseUint(f[len(f)-2], 0, 64)
	if err != nil {
		t.Fatalf("no stack pointer in %q", data)
	}
	before := procMemRead(t, pid, sp-page, page)
	path := strings.Repeat("/long-path", 50)
	if c := must(t)(tr.Open(path, unix.O_RDONLY, 0)); c.Errno != unix.ENOENT {
		t.Errorf("open of a missing path: %s", c)
	}
	if after := procMemRead(t, pid, sp-page, page); !bytes.Equal(before, after) {
		t.Error("the stack below the red zone was not restored")
	}
}
