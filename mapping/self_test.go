package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestSelf runs the operations in the test process itself and checks them
// in /proc/self; what would hurt the Go runtime is refused.
func TestSelf(t *testing.T) {
	s := NewSelf()
	pid := os.Getpid()
	if s.Pid() != pid {
		t.Fatalf("Pid = %d", s.Pid())
	}
	c := ok(t)(s.Mmap(0, 2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0))
	addr := c.Addr()
	if m, found := mappingAt(t, pid, addr); !found || m.perms != "rw-p" || m.end-m.start < 2*page {
		t.Fatalf("maps after mmap: %+v", m)
	}
	if _, err := s.WriteMemory(addr, []byte("self")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ReadMemory(addr, 4); err != nil || string(got) != "self" {
		t.Errorf("ReadMemory = %q, %v", got, err)
	}
	ok(t)(s.Mprotect(addr, page, unix.PROT_READ))
	_, err := s.WriteMemory(addr, []byte("x"))
	wantFault(t, err, addr, unix.SIGSEGV, "SEGV_ACCERR")
	ok(t)(s.Madvise(addr+page, page, unix.MADV_DONTNEED))
	ok(t)(s.Msync(addr, 2*page, unix.MS_SYNC))
	ok(t)(s.Munmap(addr, 2*page))
	if _, found := mappingAt(t, pid, addr); found {
		t.Error("mapping still there after munmap")
	}
	_, err = s.ReadMemory(addr, 1)
	wantFault(t, err, addr, unix.SIGSEGV, "SEGV_MAPERR")

	// Memory and descriptors that belong to the Go runtime are refused.
	heap := uint64(uintptr(unsafe.Pointer(&make([]byte, 1<<20)[0])))
	for name, f := range map[string]func() (Call, error){
		"munmap":   func() (Call, error) { return s.Munmap(heap&^(page-1), page) },
		"mprotect": func() (Call, error) { return s.Mprotect(heap&^(page-1), page, unix.PROT_NONE) },
		"madvise":  func() (Call, error) { return s.Madvise(heap&^(page-1), page, unix.MADV_DONTNEED) },
		"MAP_FIXED": func() (Call, error) {
			return s.Mmap(heap&^(page-1), page, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, -1, 0)
		},
		"close":     func() (Call, error) { return s.CloseFD(0) },
		"ftruncate": func() (Call, error) { return s.Ftruncate(1, 0) },
	} {
		if c, err := f(); !errors.Is(err, ErrRefused) || c.Done {
			t.Errorf("%s on the runtime's own: %v (call %s), want a refusal", name, err, c)
		}
	}
	if _, err := s.WriteMemory(heap, []byte{1}); !errors.Is(err, ErrRefused) {
		t.Errorf("write into the Go heap: %v, want a refusal", err)
	}
	if _, _, err := s.Fork(); !errors.Is(err, ErrForkSelf) {
		t.Errorf("Fork: %v", err)
	}

	// Files and shm opened through Self can be used and closed.
	path := filepath.Join(t.TempDir(), "f")
	fd := int(ok(t)(s.Open(path, unix.O_RDWR|unix.O_CREAT, 0o600)).Value())
	ok(t)(s.Ftruncate(fd, 100))
	ok(t)(s.CloseFD(fd))
	if fi, err := os.Stat(path); err != nil || fi.Size() != 100 {
		t.Errorf("file after ftruncate: %v %v", fi, err)
	}
	name := shmName(t)
	fd = int(ok(t)(s.ShmOpen(name, unix.O_CREAT|unix.O_RDWR, 0o600)).Value())
	ok(t)(s.Ftruncate(fd, page))
	shm := ok(t)(s.Mmap(0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED, fd, 0)).Addr()
	ok(t)(s.CloseFD(fd))
	if _, err := s.WriteMemory(shm, []byte("shared")); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(shmDir + name)
	if !bytes.HasPrefix(data, []byte("shared")) {
		t.Errorf("/dev/shm%s holds %.10q", name, data)
	}
	ok(t)(s.ShmUnlink(name))
	ok(t)(s.Munmap(shm, page))
	ok(t)(s.Unlink(path))
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

// TestSelfNullWriteFaults: a write where nothing is mapped is not refused
// in --self mode but reported as the SIGSEGV (SEGV_MAPERR) it is.
func TestSelfNullWriteFaults(t *testing.T) {
	_, err := NewSelf().WriteMemory(0, []byte{1})
	var f *Fault
	if !errors.As(err, &f) || f.Code != SegvMapErr {
		t.Errorf("write to NULL in Self: %v, want SIGSEGV (SEGV_MAPERR)", err)
	}
}

// TestSpawnOutputWritable: a subject's standard output and error are
// /dev/null open for writing, so its writes succeed (and vanish).
func TestSpawnOutputWritable(t *testing.T) {
	tr := spawnSleeper(t)
	for _, fd := range []string{"1", "2"} {
		info, err := os.ReadFile("/proc/" + strconv.Itoa(tr.Pid()) + "/fdinfo/" + fd)
		if err != nil {
			t.Fatal(err)
		}
		var flags int
		for _, l := range strings.Split(string(info), "\n") {
			if v, ok := strings.CutPrefix(l, "flags:"); ok {
				fmt.Sscanf(strings.TrimSpace(v), "%o", &flags)
			}
		}
		if flags&unix.O_ACCMODE == unix.O_RDONLY {
			t.Errorf("fd %s of the subject is read-only (flags %o): its writes would fail with EBADF", fd, flags)
		}
	}
}
