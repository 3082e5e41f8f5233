package mapping

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseRegion(t *testing.T) {
	cases := []struct {
		line string
		want region
	}{
		{"7f3a1c000000-7f3a1c002000 rw-s 00000000 00:01 1234                       /dev/shm/my data (deleted)",
			region{0x7f3a1c000000, 0x7f3a1c002000, "rw-s", 1234, "/dev/shm/my data (deleted)"}},
		{"7ffd1a000000-7ffd1a002000 r-xp 00000000 00:00 0                          [vdso]",
			region{0x7ffd1a000000, 0x7ffd1a002000, "r-xp", 0, "[vdso]"}},
		{"7f0000000000-7f0000001000 ---p 00000000 00:00 0 ",
			region{0x7f0000000000, 0x7f0000001000, "---p", 0, ""}},
		{"7f0000000000-7f0000001000 rw-p 00000000 00:00 0",
			region{0x7f0000000000, 0x7f0000001000, "rw-p", 0, ""}},
	}
	for _, c := range cases {
		got, err := parseRegion(c.line)
		if err != nil || got != c.want {
			t.Errorf("parseRegion(%q) = %+v, %v; want %+v", c.line, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "zz-10 rw-p 0 0 0", "10-20 rw 0 00:00 0"} {
		if _, err := parseRegion(bad); err == nil {
			t.Errorf("parseRegion(%q) accepted a bad line", bad)
		}
	}
}

func TestParseProcStatus(t *testing.T) {
	st := parseProcStatus([]byte("Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t812\n" +
		"TracerPid:\t900\nUid:\t1000\t1001\t1000\t1000\nCapEff:\t0000000000080000\nSeccomp:\t2\nSeccomp_filters:\t1\nNewKey:\tx y\n"))
	want := procStatus{name: "sleep", state: "S", tgid: 812, uid: 1000, euid: 1001, tracerPid: 900, seccomp: 2, capEff: 1 << capSysPtrace}
	if st != want {
		t.Errorf("parseProcStatus = %+v, want %+v", st, want)
	}
}

// TestDeniedReason covers the EPERM messages, Yama included (this machine
// has no Yama, so only the pure function can show those).
func TestDeniedReason(t *testing.T) {
	root := procStatus{uid: 0}
	user := procStatus{uid: 1000, euid: 1000}
	capable := procStatus{uid: 1000, euid: 1000, capEff: 1 << capSysPtrace}
	cases := []struct {
		target, self procStatus
		yama         int
		want         []string
	}{
		{root, user, -1, []string{"belongs to user root (uid 0)", "run mapscope as that user, or with sudo"}},
		{root, user, 1, []string{"belongs to user root"}},
		{root, capable, 1, []string{"ptrace_scope is 1", "mapscope -- CMD", "ptrace_scope=0"}},
		{user, user, 1, []string{"ptrace_scope is 1", "ancestors"}},
		{user, user, 2, []string{"ptrace_scope is 2", "CAP_SYS_PTRACE", "sudo"}},
		{user, user, 3, []string{"ptrace_scope is 3", "disabled until reboot"}},
		{user, user, 0, []string{"non-dumpable"}},
		{user, user, -1, []string{"non-dumpable", "CAP_SYS_PTRACE"}},
	}
	for _, c := range cases {
		got := deniedReason(c.target, c.self, c.yama)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("deniedReason(uid %d by uid %d, yama %d) = %q; want it to say %q", c.target.uid, c.self.euid, c.yama, got, w)
			}
		}
	}
	err := deniedError(7, root, user, -1, unix.EPERM)
	if !strings.HasPrefix(err.Error(), "will not act on process 7: ") || !strings.Contains(err.Error(), "root") {
		t.Errorf("deniedError = %v", err)
	}
}

func TestFlagStrings(t *testing.T) {
	cases := []struct{ got, want string }{
		{ProtString(unix.PROT_NONE), "PROT_NONE"},
		{ProtString(unix.PROT_READ | unix.PROT_WRITE | unix.PROT_EXEC), "PROT_READ | PROT_WRITE | PROT_EXEC"},
		{MapFlagsString(0), "0"},
		{MapFlagsString(unix.MAP_SHARED_VALIDATE | unix.MAP_SYNC), "MAP_SHARED_VALIDATE | MAP_SYNC"},
		{MapFlagsString(unix.MAP_PRIVATE | unix.MAP_FIXED_NOREPLACE | unix.MAP_NORESERVE), "MAP_PRIVATE | MAP_NORESERVE | MAP_FIXED_NOREPLACE"},
		{MapFlagsString(unix.MAP_PRIVATE | unix.MAP_HUGETLB | 30<<unix.MAP_HUGE_SHIFT), "MAP_PRIVATE | MAP_HUGETLB | MAP_HUGE_1GB"},
		{MapFlagsString(unix.MAP_PRIVATE | 16<<unix.MAP_HUGE_SHIFT), "MAP_PRIVATE | 16 << MAP_HUGE_SHIFT"},
		{OpenFlagsString(unix.O_RDONLY), "O_RDONLY"},
		{OpenFlagsString(unix.O_WRONLY | unix.O_TRUNC | unix.O_APPEND), "O_WRONLY | O_TRUNC | O_APPEND"},
		{OpenFlagsString(unix.O_RDWR | unix.O_TMPFILE), "O_RDWR | O_TMPFILE"},
		{OpenFlagsString(unix.O_RDONLY | unix.O_DIRECTORY), "O_RDONLY | O_DIRECTORY"},
		{OpenFlagsString(unix.O_WRONLY | unix.O_DSYNC), "O_WRONLY | O_DSYNC"},
		{shmFlagsString(unix.O_CREAT | unix.O_EXCL | unix.O_RDWR), "O_CREAT | O_EXCL | O_RDWR"},
		{MsyncFlagsString(unix.MS_SYNC), "MS_SYNC"},
		{AdviceString(unix.MADV_FREE), "MADV_FREE"},
		{modeString(0o644), "0644"},
		{modeString(0), "0"},
		{dirfdString(unix.AT_FDCWD), "AT_FDCWD"},
		{CString("tab\there \x7f"), `"tab\there \177"`},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestShmPath(t *testing.T) {
	if p, err := ShmPath("/my_data"); err != nil || p != "/dev/shm/my_data" {
		t.Errorf("ShmPath(/my_data) = %q, %v", p, err)
	}
	for _, bad := range []string{"my_data", "/", "/a/b", "", "/.", "/..", "/" + strings.Repeat("x", 256)} {
		if _, err := ShmPath(bad); err == nil {
			t.Errorf("ShmPath(%q) accepted a bad name", bad)
		}
	}
}
