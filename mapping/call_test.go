package mapping

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeRunner returns a fixed raw result, so that formatting can be checked
// without a process.
type fakeRunner struct{ raw uint64 }

func (f fakeRunner) Pid() int                            { return 1 }
func (f fakeRunner) run(request) (uint64, bool, error)   { return f.raw, true, nil }
func (f fakeRunner) checkAccess(uint64, int, bool) error { return nil }

func returning(raw uint64) ops    { return ops{r: fakeRunner{raw}} }
func failing(e unix.Errno) ops    { return returning(negErrno(e)) }
func callOf(c Call, _ error) Call { return c }

// TestCallText compares the C text and result of calls with what strace
// prints for the same calls (with " | " between flags, as C source has it).
func TestCallText(t *testing.T) {
	const p = 0x7f3a1c000000
	cases := []struct {
		call Call
		want string
	}{
		{callOf(returning(p).Mmap(0, 8192, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS, -1, 0)),
			"mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) = 0x7f3a1c000000"},
		{callOf(failing(unix.EACCES).Mmap(0x7f0000000000, 4096, unix.PROT_READ|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_FIXED|unix.MAP_POPULATE, 3, 4096)),
			"mmap(0x7f0000000000, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, 3, 4096) = -1 EACCES (Permission denied)"},
		{callOf(returning(p).Mmap(0, 2<<20, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_HUGETLB|21<<unix.MAP_HUGE_SHIFT, -1, 0)),
			"mmap(NULL, 2097152, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0) = 0x7f3a1c000000"},
		{callOf(returning(0).Mprotect(p, 4096, unix.PROT_READ)), "mprotect(0x7f3a1c000000, 4096, PROT_READ) = 0"},
		{callOf(failing(unix.ENOMEM).Mprotect(p, 4096, unix.PROT_READ|0x8)), "mprotect(0x7f3a1c000000, 4096, PROT_READ | 0x8) = -1 ENOMEM (Cannot allocate memory)"},
		{callOf(returning(0).Munmap(p, 8192)), "munmap(0x7f3a1c000000, 8192) = 0"},
		{callOf(failing(unix.EBUSY).Msync(p, 4096, unix.MS_ASYNC|unix.MS_INVALIDATE)), "msync(0x7f3a1c000000, 4096, MS_ASYNC | MS_INVALIDATE) = -1 EBUSY (Device or resource busy)"},
		{callOf(returning(0).Madvise(p, 4096, unix.MADV_DONTNEED)), "madvise(0x7f3a1c000000, 4096, MADV_DONTNEED) = 0"},
		{callOf(failing(unix.EINVAL).Madvise(p, 4096, 99)), "madvise(0x7f3a1c000000, 4096, 99) = -1 EINVAL (Invalid argument)"},
		{callOf(returning(3).Open("/tmp/x", unix.O_RDWR|unix.O_CREAT, 0o644)), `open("/tmp/x", O_RDWR | O_CREAT, 0644) = 3`},
		{callOf(returning(4).Openat(unix.AT_FDCWD, "/etc/passwd", unix.O_RDONLY|unix.O_CLOEXEC, 0)), `openat(AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC) = 4`},
		{callOf(failing(unix.EEXIST).Openat(5, "x", unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_SYNC, 0o600)),
			`openat(5, "x", O_WRONLY | O_CREAT | O_EXCL | O_SYNC | O_NOFOLLOW, 0600) = -1 EEXIST (File exists)`},
		{callOf(returning(3).ShmOpen("/my_data", unix.O_CREAT|unix.O_RDWR, 0o666)), `shm_open("/my_data", O_CREAT | O_RDWR, 0666) = 3`},
		{callOf(returning(0).Ftruncate(3, 1024)), "ftruncate(3, 1024) = 0"},
		{callOf(failing(unix.EBADF).CloseFD(3)), "close(3) = -1 EBADF (Bad file descriptor)"},
		{callOf(failing(unix.ENOENT).Unlink("/tmp/a \"b\"\\\n\x01\xff\u00e9")), `unlink("/tmp/a \"b\"\\\n\001\377é") = -1 ENOENT (No such file or directory)`},
		{callOf(returning(0).ShmUnlink("/my_data")), `shm_unlink("/my_data") = 0`},
		{callOf(returning(1234).Getpid()), "getpid() = 1234"},
	}
	for _, c := range cases {
		if got := c.call.String(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

// TestCallFields checks the fields behind the text.
func TestCallFields(t *testing.T) {
	c := callOf(failing(unix.EACCES).Open("/x", unix.O_RDONLY, 0))
	if !c.Failed() || c.Value() != -1 || c.ErrnoName() != "EACCES" || c.ErrnoText() != "Permission denied" || c.Pid != 1 || c.Name != "open" {
		t.Errorf("failed call fields: %+v", c)
	}
	c = callOf(returning(0x7f0000001000).Mmap(0, 4096, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0))
	if c.Failed() || c.Addr() != 0x7f0000001000 || c.ErrnoName() != "" {
		t.Errorf("mmap fields: %+v", c)
	}
	if (Call{Text: "pause()"}).String() != "pause() = ?" {
		t.Error("an unfinished call should show '= ?'")
	}
}

// TestStraceAgrees runs a C program under strace and checks that the text of
// the same calls, made by the Call formatter with strace's results, is what
// strace printed.
func TestStraceAgrees(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed")
	}
	bin := buildC(t, "calls")
	out := filepath.Join(t.TempDir(), "trace")
	if msg, err := exec.Command("strace", "-e", "trace=mmap,mprotect,openat", "-o", out, bin).CombinedOutput(); err != nil {
		t.Skipf("strace cannot trace here: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	find := func(prefix string) string {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, prefix) {
				return line
			}
		}
		t.Fatalf("no %q in the trace:\n%s", prefix, data)
		return ""
	}
	result := func(line string) uint64 {
		m := regexp.MustCompile(`= (0x[0-9a-f]+|\d+)$`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("no result in %q", line)
		}
		v, _ := strconv.ParseUint(m[1], 0, 64)
		return v
	}
	shared := find("mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = ")
	addr := result(shared)
	ours := []Call{
		callOf(returning(addr).Mmap(0, 8192, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS, -1, 0)),
		callOf(returning(0).Mprotect(addr, 4096, unix.PROT_READ)),
		callOf(failing(unix.ENOENT).Openat(unix.AT_FDCWD, "/nonexistent/mapscope", unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, 0o644)),
		callOf(returning(result(find("mmap(NULL, 4096, PROT_READ|PROT_EXEC"))).Mmap(0, 4096, unix.PROT_READ|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE, -1, 0)),
	}
	for _, c := range ours {
		text := strings.ReplaceAll(c.String(), " | ", "|")
		if line := find(text[:strings.Index(text, "(")+1]); !strings.Contains(string(data), text+"\n") {
			t.Errorf("strace printed (e.g.) %q\nours:            %q", line, text)
		}
	}
}

// TestStrerrorMatchesGlibc compares Strerror with the C library's strerror
// for every errno.
func TestStrerrorMatchesGlibc(t *testing.T) {
	out, err := exec.Command(buildC(t, "strerrors")).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		num, text, _ := strings.Cut(line, " ")
		n, _ := strconv.Atoi(num)
		if got := Strerror(unix.Errno(n)); got != text {
			t.Errorf("errno %d: %q, glibc says %q", n, got, text)
		}
	}
}

// TestSyscallTable checks this architecture's table against the numbers
// x/sys generates from the kernel headers.
func TestSyscallTable(t *testing.T) {
	want := map[string][2]int{
		"mmap":            {sysno.mmap, unix.SYS_MMAP},
		"munmap":          {sysno.munmap, unix.SYS_MUNMAP},
		"mprotect":        {sysno.mprotect, unix.SYS_MPROTECT},
		"msync":           {sysno.msync, unix.SYS_MSYNC},
		"madvise":         {sysno.madvise, unix.SYS_MADVISE},
		"openat":          {sysno.openat, unix.SYS_OPENAT},
		"ftruncate":       {sysno.ftruncate, unix.SYS_FTRUNCATE},
		"close":           {sysno.close, unix.SYS_CLOSE},
		"unlinkat":        {sysno.unlinkat, unix.SYS_UNLINKAT},
		"getpid":          {sysno.getpid, unix.SYS_GETPID},
		"restart_syscall": {sysno.restartSyscall, unix.SYS_RESTART_SYSCALL},
		"clone":           {sysno.clone, unix.SYS_CLONE},
		"wait4":           {sysno.wait4, unix.SYS_WAIT4},
	}
	for name, v := range want {
		if v[0] != v[1] {
			t.Errorf("%s = %d, the kernel says %d", name, v[0], v[1])
		}
	}
	checkUnlinkNumber(t)
}
