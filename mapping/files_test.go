package mapping

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestOpenModeConflict: a file opened O_RDONLY cannot be mapped PROT_WRITE
// with MAP_SHARED (EACCES), but can with MAP_PRIVATE.
func TestOpenModeConflict(t *testing.T) {
	tr := spawnSleeper(t)
	path := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(path, make([]byte, page), 0o644); err != nil {
		t.Fatal(err)
	}
	open := ok(t)(tr.Open(path, unix.O_RDONLY, 0))
	if want := fmt.Sprintf("open(%q, O_RDONLY) = %d", path, open.Value()); open.String() != want {
		t.Errorf("call = %q, want %q", open, want)
	}
	fd := int(open.Value())

	shared := must(t)(tr.Mmap(0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED, fd, 0))
	if shared.Errno != unix.EACCES || !strings.HasSuffix(shared.String(), "= -1 EACCES (Permission denied)") {
		t.Errorf("shared writable mapping of a read-only fd: %s, want EACCES", shared)
	}
	private := ok(t)(tr.Mmap(0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE, fd, 0))
	m, found := mappingAt(t, tr.Pid(), private.Addr())
	if !found || m.perms != "rw-p" || m.path != path {
		t.Errorf("private mapping: %+v, want rw-p of %s", m, path)
	}
	ok(t)(tr.CloseFD(fd))
	if c := must(t)(tr.CloseFD(fd)); c.Errno != unix.EBADF {
		t.Errorf("second close: %s, want EBADF", c)
	}
}

// shmName returns a POSIX shm name unique to this test run, removed at the
// end.
func shmName(t *testing.T) string {
	name := fmt.Sprintf("/mapscope-test-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "-"))
	t.Cleanup(func() { _ = os.Remove(shmDir + name) })
	return name
}

// TestShmLifecycle follows the lecture's five steps of POSIX shm in one
// subject, with a second subject reading what the first wrote.
func TestShmLifecycle(t *testing.T) {
	a := spawnSleeper(t)
	name := shmName(t)
	path := shmDir + name

	open := ok(t)(a.ShmOpen(name, unix.O_CREAT|unix.O_RDWR, 0o666))
	if want := fmt.Sprintf("shm_open(%q, O_CREAT | O_RDWR, 0666) = %d", name, open.Value()); open.String() != want {
		t.Errorf("call = %q, want %q", open, want)
	}
	fd := int(open.Value())
	ok(t)(a.Ftruncate(fd, 1024))
	if fi, err := os.Stat(path); err != nil || fi.Size() != 1024 {
		t.Fatalf("after ftruncate: %v, %v; want %s of 1024 bytes", fi, err, path)
	}
	// glibc adds O_NOFOLLOW | O_CLOEXEC (engine.md fact 10).
	fdinfo, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", a.Pid(), fd))
	if err != nil || !strings.Contains(string(fdinfo), "flags:\t0"+strconv.FormatInt(int64(unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC|oLargefile), 8)) {
		t.Errorf("fd flags: %s (%v)", fdinfo, err)
	}

	addr := ok(t)(a.Mmap(0, 1024, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED, fd, 0)).Addr()
	ok(t)(a.CloseFD(fd))
	if m, found := mappingAt(t, a.Pid(), addr); !found || m.path != path || m.perms != "rw-s" {
		t.Errorf("after close the mapping should remain: %+v", m)
	}
	if _, err := a.WriteMemory(addr, binary.NativeEndian.AppendUint32(nil, 42)); err != nil {
		t.Fatal(err)
	}

	b := spawnSleeper(t)
	bfd := int(ok(t)(b.ShmOpen(name, unix.O_RDWR, 0)).Value())
	baddr := ok(t)(b.Mmap(0, 1024, unix.PROT_READ, unix.MAP_SHARED, bfd, 0)).Addr()
	got, err := b.ReadMemory(baddr, 4)
	if err != nil || binary.NativeEndian.Uint32(got) != 42 {
		t.Errorf("process B read %v (%v), want 42", got, err)
	}

	ok(t)(a.ShmUnlink(name))
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after shm_unlink: %v, want the name gone", err)
	}
	if m, _ := mappingAt(t, a.Pid(), addr); m.path != path+" (deleted)" {
		t.Errorf("maps after shm_unlink show %q, want %q", m.path, path+" (deleted)")
	}
	if c := must(t)(a.ShmUnlink(name)); c.Errno != unix.ENOENT {
		t.Errorf("second shm_unlink: %s, want ENOENT", c)
	}
	if c := must(t)(a.ShmOpen("/no/slash", unix.O_RDONLY, 0)); c.Errno != unix.EINVAL {
		t.Errorf("bad shm name: %s, want EINVAL", c)
	}
}

// diskBackedDir finds a directory on a filesystem where dirty pages can be
// written back (not tmpfs, engine.md fact 28).
func diskBackedDir(t *testing.T) string {
	for _, dir := range []string{t.TempDir(), "/var/tmp", "."} {
		var st unix.Statfs_t
		if unix.Statfs(dir, &st) == nil && st.Type != unix.TMPFS_MAGIC && st.Type != unix.RAMFS_MAGIC {
			return dir
		}
	}
	t.Skip("no disk-backed directory found: on tmpfs msync never cleans pages")
	return ""
}

// TestMsyncCleansSharedFilePages: after writes to a MAP_SHARED file mapping
// on disk, msync(MS_SYNC) takes smaps Dirty to 0.
func TestMsyncCleansSharedFilePages(t *testing.T) {
	dir, err := os.MkdirTemp(diskBackedDir(t), "msync")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	tr := spawnSleeper(t)
	path := filepath.Join(dir, "data")
	fd := int(ok(t)(tr.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_TRUNC, 0o644)).Value())
	ok(t)(tr.Ftruncate(fd, 2*page))
	addr := ok(t)(tr.Mmap(0, 2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED, fd, 0)).Addr()
	if _, err := tr.WriteMemory(addr, []byte(strings.Repeat("dirty", 2*page/5))); err != nil {
		t.Fatal(err)
	}
	dirty := func() uint64 {
		s := smapsOf(t, tr.Pid(), addr)
		return s["Private_Dirty"] + s["Shared_Dirty"]
	}
	if d := dirty(); d != 8 {
		t.Fatalf("dirty after writing = %d kB, want 8", d)
	}
	c := ok(t)(tr.Msync(addr, 2*page, unix.MS_SYNC))
	if want := fmt.Sprintf("msync(0x%x, 8192, MS_SYNC) = 0", addr); c.String() != want {
		t.Errorf("call = %q, want %q", c, want)
	}
	if d := dirty(); d != 0 {
		t.Errorf("dirty after msync = %d kB, want 0", d)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "dirtydirty") {
		t.Errorf("the file does not hold what was written: %.20q", data)
	}
}

// TestCallCreatedRemoved: a call that creates a file or shm object names
// it in Call.Created (and only if it was not there before); unlink and
// shm_unlink name what they removed. Checked against the file system.
func TestCallCreatedRemoved(t *testing.T) {
	tr := spawnSleeper(t)
	name := fmt.Sprintf("/mapscope-created-%d", tr.Pid())
	t.Cleanup(func() { os.Remove("/dev/shm" + name) })
	c := ok(t)(tr.ShmOpen(name, unix.O_RDWR|unix.O_CREAT, 0o600))
	if _, err := os.Stat("/dev/shm" + name); err != nil || c.Created != "/dev/shm"+name {
		t.Errorf("shm_open O_CREAT: Created %q, stat %v", c.Created, err)
	}
	if again := ok(t)(tr.ShmOpen(name, unix.O_RDWR|unix.O_CREAT, 0o600)); again.Created != "" {
		t.Errorf("shm_open of an existing object says it created %q", again.Created)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "new.dat")
	if c := ok(t)(tr.Open(path, unix.O_RDWR|unix.O_CREAT, 0o600)); c.Created != path {
		t.Errorf("open O_CREAT: Created %q, want %s", c.Created, path)
	}
	if c := ok(t)(tr.Unlink(path)); c.Removed != path {
		t.Errorf("unlink: Removed %q, want %s", c.Removed, path)
	}
	if c := ok(t)(tr.ShmUnlink(name)); c.Removed != "/dev/shm"+name {
		t.Errorf("shm_unlink: Removed %q", c.Removed)
	}
	if _, err := os.Stat("/dev/shm" + name); !os.IsNotExist(err) {
		t.Errorf("the object is still there: %v", err)
	}
	if c, err := tr.Open(filepath.Join(dir, "missing"), unix.O_RDONLY, 0); err != nil || c.Created != "" || !c.Failed() {
		t.Errorf("a failed open without O_CREAT: %+v, %v", c, err)
	}
}
