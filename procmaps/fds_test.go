package procmaps

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"
)

func TestParseFDInfo(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		pos        int64
		flags      int
		bad        bool
	}{
		{name: "regular file", text: "pos:\t5\nflags:\t0102002\nmnt_id:\t25\nino:\t1234\n", pos: 5, flags: 0o102002},
		// Octal: read as decimal, 02100000 would be 0x200b20, no flag at all.
		{name: "octal flags", text: "pos:\t0\nflags:\t02100000\nmnt_id:\t22\n", flags: 0o2100000},
		{name: "eventfd", text: "pos:\t0\nflags:\t02004002\nmnt_id:\t16\nino:\t1057\neventfd-count:                0\neventfd-id: 3\neventfd-semaphore: 0\n", flags: 0o2004002},
		{name: "epoll", text: "pos:\t0\nflags:\t02\nmnt_id:\t16\nino:\t1057\ntfd:        5 events:       19 data:                5  pos:0 ino:1a2b sdev:8\n", flags: 0o2},
		{name: "no final newline", text: "pos:\t7\nflags:\t01", pos: 7, flags: 1},
		{name: "later kernel's line", text: "pos:\t0\nflags:\t00\nmnt_id:\t1\nino:\t2\nsomething-new:\tx:y\n"},
		// /proc/<pid>/mem seeked into the upper half of the address space.
		{name: "negative pos", text: "pos:\t-10485760\nflags:\t02100000\n", pos: -10485760, flags: 0o2100000},
		{name: "flags not octal", text: "pos:\t0\nflags:\t0108\n", bad: true},
		{name: "no flags", text: "pos:\t0\nmnt_id:\t1\n", bad: true},
		{name: "no pos", text: "flags:\t02\n", bad: true},
		{name: "empty", text: "", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pos, flags, err := parseFDInfo([]byte(tc.text))
			if tc.bad {
				if !errors.Is(err, errFDInfo) {
					t.Errorf("parseFDInfo = %d, %#o, %v; want errFDInfo", pos, flags, err)
				}
				return
			}
			if err != nil || pos != tc.pos || flags != tc.flags {
				t.Errorf("parseFDInfo = %d, %#o, %v; want %d, %#o", pos, flags, err, tc.pos, tc.flags)
			}
		})
	}
}

func TestFlagsString(t *testing.T) {
	large := kernelLargeFile()
	for _, tc := range []struct {
		flags        int
		all, notable string
	}{
		{0, "O_RDONLY", "O_RDONLY"},
		{unix.O_RDWR | large, "O_RDWR | O_LARGEFILE", "O_RDWR"},
		{unix.O_RDONLY | unix.O_CLOEXEC, "O_RDONLY | O_CLOEXEC", "O_RDONLY | O_CLOEXEC"},
		// What glibc's shm_open leaves on the file.
		{unix.O_RDWR | large | unix.O_NOFOLLOW | unix.O_CLOEXEC, "O_RDWR | O_LARGEFILE | O_NOFOLLOW | O_CLOEXEC", "O_RDWR | O_CLOEXEC"},
		{unix.O_WRONLY | unix.O_APPEND | unix.O_NONBLOCK, "O_WRONLY | O_APPEND | O_NONBLOCK", "O_WRONLY | O_APPEND | O_NONBLOCK"},
		// O_SYNC includes O_DSYNC's bit and O_TMPFILE O_DIRECTORY's.
		{unix.O_WRONLY | unix.O_SYNC, "O_WRONLY | O_SYNC", "O_WRONLY | O_SYNC"},
		{unix.O_WRONLY | unix.O_DSYNC, "O_WRONLY | O_DSYNC", "O_WRONLY | O_DSYNC"},
		{unix.O_RDWR | unix.O_TMPFILE, "O_RDWR | O_TMPFILE", "O_RDWR | O_TMPFILE"},
		{unix.O_RDONLY | unix.O_DIRECTORY, "O_RDONLY | O_DIRECTORY", "O_RDONLY"},
		{unix.O_PATH | unix.O_CLOEXEC, "O_PATH | O_CLOEXEC", "O_PATH | O_CLOEXEC"},
		{unix.O_RDWR | unix.O_DIRECT | unix.O_NOATIME, "O_RDWR | O_DIRECT | O_NOATIME", "O_RDWR | O_DIRECT | O_NOATIME"},
		// Access mode 3: ioctl only. A bit with no name: shown in octal.
		{3, "03", "03"},
		{unix.O_RDWR | 1<<30, "O_RDWR | 010000000000", "O_RDWR"},
	} {
		f := FD{Flags: tc.flags}
		if got := f.FlagsString(); got != tc.all {
			t.Errorf("FlagsString(%#o) = %q, want %q", tc.flags, got, tc.all)
		}
		if got := flagNames(tc.flags, true); got != tc.notable {
			t.Errorf("Mode of %#o = %q, want %q", tc.flags, got, tc.notable)
		}
	}
}

// findFD returns the descriptor num of fds, failing the test when it is
// missing.
func findFD(t *testing.T, fds []FD, num int) FD {
	t.Helper()
	i := slices.IndexFunc(fds, func(f FD) bool { return f.Num == num })
	if i < 0 {
		t.Fatalf("fd %d not in %+v", num, fds)
	}
	return fds[i]
}

// TestReadFDsSelf reads the descriptors of the test process: a file opened
// for appending and written to, both ends of a pipe, an eventfd, an O_PATH
// descriptor; then the file is removed.
func TestReadFDsSelf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x")
	file, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_APPEND|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(file)
	if _, err := unix.Write(file, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	var pipe [2]int
	if err := unix.Pipe2(pipe[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pipe[0])
	defer unix.Close(pipe[1])
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(efd)
	opath, err := unix.Open(path, unix.O_PATH, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(opath)

	fds, err := ReadFDs("/proc", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(fds, func(a, b FD) int { return a.Num - b.Num }) {
		t.Errorf("not sorted by number: %+v", fds)
	}
	for _, tc := range []struct {
		num          int
		target, mode string
		pos          int64
	}{
		{file, path, "O_RDWR | O_APPEND | O_CLOEXEC", 5},
		{pipe[0], "pipe:[", "O_RDONLY | O_NONBLOCK | O_CLOEXEC", 0},
		{pipe[1], "pipe:[", "O_WRONLY | O_NONBLOCK | O_CLOEXEC", 0},
		{efd, "anon_inode:[eventfd]", "O_RDWR | O_CLOEXEC", 0},
		{opath, path, "O_PATH", 0},
	} {
		f := findFD(t, fds, tc.num)
		t.Logf("fd %d -> %s: %s (%s) pos %d", f.Num, f.Target, f.Mode, f.FlagsString(), f.Pos)
		if !strings.HasPrefix(f.Target, tc.target) || f.Mode != tc.mode || f.Pos != tc.pos {
			t.Errorf("fd %d: target %q mode %q pos %d; want %q… %q %d", f.Num, f.Target, f.Mode, f.Pos, tc.target, tc.mode, tc.pos)
		}
	}
	if f := findFD(t, fds, file); !strings.Contains(f.FlagsString(), "O_LARGEFILE") && strconv.IntSize == 64 {
		t.Errorf("fd %d: FlagsString %q lacks O_LARGEFILE, which the kernel sets for a 64-bit process", file, f.FlagsString())
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	fds, err = ReadFDs("/proc", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if f := findFD(t, fds, file); f.Target != path+" (deleted)" {
		t.Errorf("removed file: target %q, want %q", f.Target, path+" (deleted)")
	}
}

// TestProcfsFDInfoDropsNegativePos shows why ReadFDs parses fdinfo itself
// instead of calling procfs's Proc.FDInfo: procfs matches pos with
// `^pos:\s+(\d+)$`, so the negative offset the kernel prints for a
// /proc/<pid>/mem descriptor seeked above 2^63 — where a debugger reads the
// kernel half of the address space — comes back as "". (procfs also keeps
// the octal flags as a string and, in ProcFDInfos, sorts descriptors as
// strings: "10" before "9".)
func TestProcfsFDInfoDropsNegativePos(t *testing.T) {
	mem, err := unix.Open("/proc/self/mem", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(mem)
	const offset = math.MinInt64 + 0x1000 // 0x8000000000001000 as the kernel's signed loff_t
	if _, err := unix.Seek(mem, offset, 0); err != nil {
		t.Fatal(err)
	}

	fds, err := ReadFDs("/proc", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if f := findFD(t, fds, mem); f.Pos != offset {
		t.Errorf("ReadFDs: pos %d, want %d", f.Pos, int64(offset))
	}

	p, err := procfs.Self()
	if err != nil {
		t.Fatal(err)
	}
	info, err := p.FDInfo(strconv.Itoa(mem))
	if err != nil {
		t.Fatal(err)
	}
	if info.Pos != "" {
		t.Errorf("procfs FDInfo pos %q: procfs now reads negative offsets; consider using it", info.Pos)
	}
}

// fakeFDTree builds /proc/<pid>/fd and fdinfo under a new root: fd/N is a
// symbolic link to links[N], fdinfo/N exists for the numbers in infos.
func fakeFDTree(t *testing.T, pid int, links map[int]string, infos ...int) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, strconv.Itoa(pid))
	for _, sub := range []string{"fd", "fdinfo"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for n, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, "fd", strconv.Itoa(n))); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range infos {
		text := fmt.Sprintf("pos:\t%d\nflags:\t%o\nmnt_id:\t1\nino:\t%d\n", n, unix.O_RDWR|unix.O_CLOEXEC, 100+n)
		if err := os.WriteFile(filepath.Join(dir, "fdinfo", strconv.Itoa(n)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestProcfsFileDescriptorTargetsCannotPair shows why ReadFDs reads the
// links itself instead of calling procfs's Proc.FileDescriptorTargets: it
// returns the targets without their numbers, in directory order, and a
// separate call (FileDescriptorsInfo) gives the fdinfo. When a descriptor
// closes between the two, as fd 4 does here after its link was read, the
// lists differ in length and nothing says which target is which fd.
func TestProcfsFileDescriptorTargetsCannotPair(t *testing.T) {
	const pid = 4242
	root := fakeFDTree(t, pid, map[int]string{3: "/a", 4: "pipe:[7]", 10: "/dev/shm/x"}, 3, 10)
	pfs, err := procfs.NewFS(root)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pfs.Proc(pid)
	if err != nil {
		t.Fatal(err)
	}
	targets, err := p.FileDescriptorTargets()
	if err != nil {
		t.Fatal(err)
	}
	infos, err := p.FileDescriptorsInfo()
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) == len(infos) {
		t.Errorf("procfs: %d targets and %d fdinfos: they pair now; consider using it", len(targets), len(infos))
	}

	fds, err := ReadFDs(root, pid)
	if err != nil {
		t.Fatal(err)
	}
	want := []FD{
		{Num: 3, Target: "/a", Flags: unix.O_RDWR | unix.O_CLOEXEC, Pos: 3, Mode: "O_RDWR | O_CLOEXEC"},
		{Num: 10, Target: "/dev/shm/x", Flags: unix.O_RDWR | unix.O_CLOEXEC, Pos: 10, Mode: "O_RDWR | O_CLOEXEC"},
	}
	if !slices.Equal(fds, want) {
		t.Errorf("ReadFDs = %+v, want %+v", fds, want)
	}
}

// TestReadFDsClosedWhileRead closes descriptors of a fake process at each
// step of ReadFDs: fd 5 after the directory was read, before its link; fd
// 6 after its link, before its fdinfo. Neither is an error; an exit of
// the whole process at that moment is ErrNoProcess.
func TestReadFDsClosedWhileRead(t *testing.T) {
	const pid = 77
	root := fakeFDTree(t, pid, map[int]string{0: "/dev/null", 5: "/gone", 6: "/half", 7: "socket:[9]"}, 0, 5, 7)
	dir := filepath.Join(root, strconv.Itoa(pid))
	closeFive := func(name string) (string, error) {
		if filepath.Base(name) == "5" {
			os.Remove(filepath.Join(dir, "fd", "5"))
			os.Remove(filepath.Join(dir, "fdinfo", "5"))
		}
		return os.Readlink(name)
	}
	fds, err := readFDs(root, pid, closeFive)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fds {
		got = append(got, fmt.Sprintf("%d %s", f.Num, f.Target))
	}
	if want := []string{"0 /dev/null", "7 socket:[9]"}; !slices.Equal(got, want) {
		t.Errorf("ReadFDs = %q, want %q", got, want)
	}

	root = fakeFDTree(t, pid, map[int]string{0: "/dev/null", 1: "/dev/null"}, 0, 1)
	exit := func(name string) (string, error) {
		os.RemoveAll(filepath.Join(root, strconv.Itoa(pid)))
		return os.Readlink(name)
	}
	if fds, err := readFDs(root, pid, exit); !errors.Is(err, ErrNoProcess) {
		t.Errorf("process exited during ReadFDs: %+v, %v; want ErrNoProcess", fds, err)
	}
}

// TestReadFDsRace reads the descriptors of the test process while other
// goroutines open and close files as fast as they can: every read succeeds
// and lists only descriptors that were open, with their link and fdinfo.
func TestReadFDsRace(t *testing.T) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
				if err == nil {
					unix.Close(fd)
				}
			}
		})
	}
	defer wg.Wait()
	defer close(stop)
	var raced atomic.Int64
	readlink := func(name string) (string, error) {
		target, err := os.Readlink(name)
		if closed(err) {
			raced.Add(1)
		}
		return target, err
	}
	for i := range 300 {
		fds, err := readFDs("/proc", os.Getpid(), readlink)
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		for _, f := range fds {
			if f.Target == "" || f.Mode == "" {
				t.Fatalf("read %d: %+v", i, f)
			}
		}
	}
	t.Logf("%d descriptors closed between the directory read and their link", raced.Load())
}

func TestReadFDsNoProcess(t *testing.T) {
	if _, err := ReadFDs(t.TempDir(), 4242); !errors.Is(err, ErrNoProcess) {
		t.Errorf("empty proc tree: %v, want ErrNoProcess", err)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	if _, err := ReadFDs("/proc", cmd.Process.Pid); !errors.Is(err, ErrNoProcess) {
		t.Errorf("reaped process: %v, want ErrNoProcess", err)
	}
}

// fdsHelperEnv makes the test binary, re-executed as another user, read
// the descriptors of the PID in it.
const fdsHelperEnv = "PROCMAPS_FDS_HELPER_PID"

// TestReadFDsPermission reads the descriptors of another user's process:
// pid 1 when the test does not run as root; as root, the test binary is
// run again as nobody to read those of this test process.
func TestReadFDsPermission(t *testing.T) {
	if v := os.Getenv(fdsHelperEnv); v != "" {
		pid, _ := strconv.Atoi(v)
		fds, err := ReadFDs("/proc", pid)
		if !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("descriptors of pid %d as uid %d: %+v, %v; want a permission error", pid, os.Geteuid(), fds, err)
		}
		fmt.Println("other:", err)
		return
	}
	if os.Geteuid() != 0 {
		if _, err := ReadFDs("/proc", 1); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("descriptors of pid 1 as uid %d: %v, want a permission error", os.Geteuid(), err)
		}
		return
	}
	out := runAsNobody(t, "^TestReadFDsPermission$", fdsHelperEnv+"="+strconv.Itoa(os.Getpid()))
	if !strings.Contains(string(out), "other: pid ") {
		t.Errorf("helper output lacks the permission error:\n%s", out)
	}
}
