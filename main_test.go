package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mapscope/ui"
)

// startSleep starts `sleep 1000` and ends it when the test ends.
func startSleep(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// Start returns after exec, before the dynamic loader has mapped libc:
	// wait until the address space has settled into sleep's own.
	waitState(t, cmd.Process.Pid, "S")
	return cmd.Process.Pid
}

func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut, false)
	return code, out.String(), errOut.String()
}

func TestMapsJSON(t *testing.T) {
	pid := startSleep(t)
	code, out, errOut := runMain(t, "maps", strconv.Itoa(pid), "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		PID      int    `json:"pid"`
		Comm     string `json:"comm"`
		Mappings []struct {
			Start, End, Path, Kind, Perms string
			Size                          uint64
			Smaps                         map[string]uint64
		} `json:"mappings"`
		Totals struct {
			Mappings int    `json:"mappings"`
			Rss      uint64 `json:"rss"`
		} `json:"totals"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if r.PID != pid || r.Comm != "sleep" || r.Totals.Rss == 0 || r.Totals.Mappings != len(r.Mappings) {
		t.Fatalf("report header wrong: pid %d comm %q rss %d mappings %d/%d", r.PID, r.Comm, r.Totals.Rss, r.Totals.Mappings, len(r.Mappings))
	}
	maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(maps)), "\n")
	if len(lines) != len(r.Mappings) {
		t.Fatalf("%d mappings in JSON, %d lines in /proc/%d/maps", len(r.Mappings), len(lines), pid)
	}
	for i, line := range lines {
		m := r.Mappings[i]
		if !strings.HasPrefix(line, m.Start[2:]+"-"+m.End[2:]+" "+m.Perms) {
			t.Errorf("mapping %d = %s-%s %s, maps line %q", i, m.Start, m.End, m.Perms, line)
		}
		if m.Smaps == nil || m.Smaps["Size"] != m.Size {
			t.Errorf("mapping %d: smaps Size %v, want %d", i, m.Smaps["Size"], m.Size)
		}
	}
	if r.Mappings[len(r.Mappings)-1].Path != "[vsyscall]" && !strings.Contains(string(maps), "[stack]") {
		t.Errorf("no [stack] in /proc/%d/maps", pid)
	}
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq is not installed: cannot check that jq accepts the output (.ci/run installs it)")
	}
	jq := exec.Command("jq", "-e", ".mappings | length > 0")
	jq.Stdin = strings.NewReader(out)
	if b, err := jq.CombinedOutput(); err != nil {
		t.Fatalf("jq rejected the JSON: %v: %s", err, b)
	}
}

func TestMapsTable(t *testing.T) {
	pid := startSleep(t)
	code, out, errOut := runMain(t, strconv.Itoa(pid)) // stdout is not a terminal: table
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{strconv.Itoa(pid) + ":   sleep 1000", "START", "RSS", "[stack]", "total:"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestBadProcesses(t *testing.T) {
	// A zombie: started, exited, never waited for.
	zombie := exec.Command("true")
	if err := zombie.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zombie.Wait() })
	waitState(t, zombie.Process.Pid, "Z")

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no such pid", []string{"maps", "999999999"}, exitUsage, "no process has PID 999999999"},
		{"kernel thread", []string{"maps", "2"}, exitUsage, "kernel thread"},
		{"zombie", []string{"maps", strconv.Itoa(zombie.Process.Pid)}, exitUsage, "zombie"},
		{"bad flag", []string{"--nope"}, exitUsage, "see mapscope --help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runMain(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.code, tt.want)
			}
			if out != "" || strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, "goroutine") {
				t.Errorf("want one line on stderr and nothing on stdout, got %q / %q", out, errOut)
			}
		})
	}
}

func TestPermissionMessage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a process as another user")
	}
	cmd := exec.Command("sleep", "1000")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Root may read anyone's maps, so check the message the rule produces.
	msg := permissionMessage(cmd.Process.Pid)
	if !strings.Contains(msg, "uid 65534") || !strings.Contains(msg, "sudo") {
		t.Errorf("permission message %q does not name the owner and the fix", msg)
	}
}

func TestVersionAndHelp(t *testing.T) {
	if code, out, _ := runMain(t, "--version"); code != exitOK || !strings.HasPrefix(out, "mapscope ") {
		t.Errorf("--version: %d %q", code, out)
	}
	if code, out, _ := runMain(t, "--help"); code != exitOK || !strings.Contains(out, "mapscope maps PID [--json]") {
		t.Errorf("--help: %d %q", code, out)
	}
}

func TestLabModeWithoutTerminalPrintsSubject(t *testing.T) {
	code, out, errOut := runMain(t, "--", "sleep", "77")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	first, _, _ := strings.Cut(out, "\n")
	pid, _, _ := strings.Cut(first, ":")
	if !strings.HasSuffix(first, "sleep 77") {
		t.Fatalf("first line %q does not name the subject", first)
	}
	// The subject must be gone once mapscope returns.
	if _, err := os.Stat("/proc/" + pid); err == nil {
		waitGone(t, pid)
	}
}

func waitState(t *testing.T, pid int, state string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if i := bytes.LastIndexByte(b, ')'); i > 0 && len(b) > i+2 && string(b[i+2]) == state {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pid %d never reached state %s", pid, state)
}

func waitGone(t *testing.T, pid string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat("/proc/" + pid); err != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("lab subject %s still exists after mapscope returned", pid)
}

// TestReportCreated: objects the user's actions created are listed on exit
// and removed, or kept with --keep; one removed meanwhile is not mentioned.
func TestReportCreated(t *testing.T) {
	dir := t.TempDir()
	a, b, gone := filepath.Join(dir, "a.dat"), filepath.Join(dir, "b.dat"), filepath.Join(dir, "gone.dat")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out strings.Builder
	reportCreated(&out, []ui.Created{{Path: a, PID: 7}, {Path: gone, PID: 7}}, false)
	if _, err := os.Stat(a); !os.IsNotExist(err) {
		t.Errorf("%s was not removed", a)
	}
	if got := out.String(); !strings.Contains(got, "removed "+a+", created in pid 7") || strings.Contains(got, gone) {
		t.Errorf("report without --keep: %q", got)
	}
	out.Reset()
	reportCreated(&out, []ui.Created{{Path: b, PID: 8}}, true)
	if _, err := os.Stat(b); err != nil {
		t.Errorf("--keep removed %s", b)
	}
	if got := out.String(); !strings.Contains(got, "kept "+b) {
		t.Errorf("report with --keep: %q", got)
	}
}

// TestLabEndsSubjectsChildren: what a lab subject forks by itself (a shell
// running sleep) ends with it when mapscope quits.
func TestLabEndsSubjectsChildren(t *testing.T) {
	l := &labs{}
	tr, err := l.spawn([]string{"sh", "-c", "sleep 1000 & wait"})
	if err != nil {
		t.Fatal(err)
	}
	var child int
	for deadline := time.Now().Add(3 * time.Second); child == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", tr.Pid(), tr.Pid()))
		fmt.Sscan(string(b), &child)
	}
	if child == 0 {
		t.Fatal("the subject's shell started no child")
	}
	l.closeAll()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child)); err != nil || strings.Contains(string(st), ") Z ") {
			return
		}
	}
	t.Errorf("the subject's child %d outlived mapscope", child)
}
