package csrc

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"mapscope/mapping"
	"mapscope/procmaps"
)

// The code blocks of lecture.md that have concrete values, verbatim, in
// testdata/lecture (mapscope run's tests use the same files).
var (
	lectureMmapSyntax = lectureBlock("mmap-syntax")
	lectureMsync      = lectureBlock("msync")
	lectureCreate     = lectureBlock("create")
	lectureMapAndUse  = lectureBlock("map-and-use")
	lectureUnlink     = lectureBlock("shm-unlink")
	lectureAnonymous  = lectureBlock("anonymous")
)

// lectureBlock reads a lecture block from testdata/lecture.
func lectureBlock(name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", "lecture", name+".c"))
	if err != nil {
		panic(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// session is a console-like machine on a fresh subject: statements are
// loaded and run piece by piece, as a student pastes them.
type session struct {
	t   *testing.T
	tr  *mapping.Tracee
	m   *Machine
	evs []Event
}

func newSession(t *testing.T) *session {
	s := &session{t: t, tr: subject(t)}
	s.m = New(Adapt(s.tr), func(e Event) { s.evs = append(s.evs, e) }, Options{})
	return s
}

// paste loads and runs src; it fails the test on any error.
func (s *session) paste(src string) []Event {
	s.t.Helper()
	n := len(s.evs)
	if err := s.m.Load(src); err != nil {
		s.t.Fatalf("load:\n%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.m.Run(ctx); err != nil {
		s.t.Fatalf("run: %v\n%s", err, dump(s.evs[n:]))
	}
	return s.evs[n:]
}

// mapsLine returns the line of /proc/<pid>/maps that contains addr.
func mapsLine(t *testing.T, pid int, addr uint64) string {
	t.Helper()
	snap, _, err := procmaps.NewSource("/proc", pid).Read()
	if err != nil {
		t.Fatal(err)
	}
	for _, mp := range snap.Mappings {
		if mp.Contains(addr) {
			return fmt.Sprintf("%x-%x %s %s", mp.Start, mp.End, mp.Perms, mp.Path)
		}
	}
	return ""
}

// callAddr returns the address of the last mmap call in evs.
func callAddr(t *testing.T, evs []Event) uint64 {
	t.Helper()
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == EvCall && evs[i].Call.Name == "mmap" {
			return evs[i].Call.Addr()
		}
	}
	t.Fatalf("no mmap among the events:\n%s", dump(evs))
	return 0
}

// TestLectureFileMapping: the mmap-syntax block, pasted verbatim after
// declaring the file it maps, makes a MAP_SHARED mapping of the file;
// writes reach the file; the msync block takes smaps Dirty to 0 (on a
// disk-backed file system: tmpfs never cleans).
func TestLectureFileMapping(t *testing.T) {
	dir := diskBacked(t)
	path := filepath.Join(dir, "data.bin")
	s := newSession(t)
	s.paste(fmt.Sprintf(`int fd = open(%q, O_RDWR | O_CREAT, 0644);
ftruncate(fd, 8192);
size_t length = 8192;
off_t offset = 0;`, path))
	addr := callAddr(t, s.paste(lectureMmapSyntax))
	if got := mapsLine(t, s.tr.Pid(), addr); got != fmt.Sprintf("%x-%x rw-s %s", addr, addr+8192, path) {
		t.Fatalf("maps line %q, want a shared mapping of %s", got, path)
	}
	s.paste(`strcpy((char*)addr, "written through the mapping");`)
	if data, _ := os.ReadFile(path); !strings.HasPrefix(string(data), "written through the mapping\x00") {
		t.Errorf("the file holds %.30q: MAP_SHARED writes do not reach it", data)
	}
	dirty := func() uint64 {
		sm, err := procmaps.ReadSmapsAt("/proc", s.tr.Pid(), addr)
		if err != nil {
			t.Fatal(err)
		}
		return sm.Bytes("Shared_Dirty") + sm.Bytes("Private_Dirty")
	}
	if d := dirty(); d == 0 {
		t.Fatal("no dirty page after the write")
	}
	evs := s.paste(lectureMsync)
	if d := dirty(); d != 0 {
		t.Errorf("dirty after the msync block = %d bytes, want 0", d)
	}
	for _, e := range evs {
		if e.Kind == EvOutput {
			t.Errorf("msync printed %q (perror ran: it failed)", e.Text)
		}
	}
}

// TestLecturePosixShm: creating the object, mapping and using it, a second
// process reading 42, shm_unlink — each block pasted verbatim, each effect
// checked in /dev/shm and /proc.
func TestLecturePosixShm(t *testing.T) {
	const obj = "/dev/shm/my_data"
	os.Remove(obj)
	t.Cleanup(func() { os.Remove(obj) })
	a := newSession(t)
	created := ""
	for _, e := range a.paste(lectureCreate) {
		created += e.Call.Created
	}
	if created != obj {
		t.Errorf("the events say %q was created, want %s", created, obj)
	}
	fi, err := os.Stat(obj)
	if err != nil || fi.Size() != 1024 {
		t.Fatalf("%s after the creating block: %v, %v; want 1024 bytes", obj, fi, err)
	}
	addr := callAddr(t, a.paste(lectureMapAndUse))
	if got := mapsLine(t, a.tr.Pid(), addr); got != fmt.Sprintf("%x-%x rw-s %s", addr, addr+4096, obj) {
		t.Errorf("maps line %q, want the shm object mapped shared", got)
	}
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", a.tr.Pid()))
	for _, e := range entries {
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", a.tr.Pid(), e.Name())); strings.HasPrefix(l, obj) {
			t.Errorf("descriptor %s still open on %s after close(fd)", e.Name(), l)
		}
	}
	if data, _ := os.ReadFile(obj); len(data) < 4 || binary.LittleEndian.Uint32(data) != 42 {
		t.Errorf("the object holds %v, want 42 in its first int", data[:min(4, len(data))])
	}

	// Process B: another process, unrelated, opens the name and reads 42.
	b := newSession(t)
	evs := b.paste(`int fd = shm_open("/my_data", O_RDWR, 0666);
int* shared_data = (int*)mmap(NULL, 1024, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
printf("%d\n", *shared_data);`)
	if out := outputs(evs); len(out) != 1 || !strings.HasSuffix(out[0], "] 42") {
		t.Errorf("process B printed %q, want 42", out)
	}

	a.paste(lectureUnlink)
	if _, err := os.Stat(obj); !os.IsNotExist(err) {
		t.Errorf("%s still exists after the shm_unlink block", obj)
	}
	if got := mapsLine(t, a.tr.Pid(), addr); !strings.HasSuffix(got, obj+" (deleted)") {
		t.Errorf("maps line %q after shm_unlink, want %s (deleted)", got, obj)
	}
	// The memory stays until the last munmap: both still read 42.
	if out := outputs(a.paste(`printf("%d\n", *shared_data);`)); len(out) != 1 || !strings.HasSuffix(out[0], "] 42") {
		t.Errorf("after shm_unlink the mapping reads %q, want 42", out)
	}
}

// TestLectureAnonymous: the anonymous-mapping block makes a shared
// anonymous mapping, and nothing appears in /dev/shm.
func TestLectureAnonymous(t *testing.T) {
	before, _ := os.ReadDir("/dev/shm")
	s := newSession(t)
	addr := callAddr(t, s.paste(lectureAnonymous))
	got := mapsLine(t, s.tr.Pid(), addr)
	if !strings.HasPrefix(got, fmt.Sprintf("%x-%x rw-s /dev/zero (deleted)", addr, addr+4096)) {
		t.Errorf("maps line %q, want a 4 KiB rw-s /dev/zero (deleted) mapping", got)
	}
	after, _ := os.ReadDir("/dev/shm")
	if len(after) > len(before) {
		t.Errorf("/dev/shm grew from %d to %d entries", len(before), len(after))
	}
}

// diskBacked returns a temporary directory on a disk-backed file system.
func diskBacked(t *testing.T) string {
	t.Helper()
	for _, dir := range []string{t.TempDir(), "/var/tmp"} {
		var st unix.Statfs_t
		if unix.Statfs(dir, &st) == nil && st.Type != unix.TMPFS_MAGIC && st.Type != unix.RAMFS_MAGIC {
			d, err := os.MkdirTemp(dir, "lecture")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	t.Skip("no disk-backed directory: on tmpfs msync never cleans pages")
	return ""
}
