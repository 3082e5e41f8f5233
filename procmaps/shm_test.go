package procmaps

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// shmSubjectC is a real process that uses POSIX shared memory the way the
// lecture does. It reads one command a line on stdin and answers one line:
//
//	ping            -> pong
//	open NAME LEN   -> "FD ADDR": shm_open(NAME, O_CREAT|O_EXCL|O_RDWR, 0600),
//	                   ftruncate to LEN, mmap LEN bytes MAP_SHARED (ADDR in hex)
//	close FD        -> ok
//	unlink NAME     -> ok (shm_unlink)
//	unmap ADDR LEN  -> ok (munmap)
//
// A failed call answers "err ERRNO MESSAGE".
const shmSubjectC = `
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void fail(void) { printf("err %d %s\n", errno, strerror(errno)); }

int main(void) {
	char line[512], name[256];
	unsigned long addr, len;
	int fd;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		if (strcmp(line, "ping\n") == 0) {
			printf("pong\n");
		} else if (sscanf(line, "open %255s %lu", name, &len) == 2) {
			fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
			if (fd < 0) { fail(); continue; }
			if (ftruncate(fd, len) != 0) { fail(); continue; }
			void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (p == MAP_FAILED) { fail(); continue; }
			((volatile char *)p)[0] = 42;
			printf("%d %lx\n", fd, (unsigned long)p);
		} else if (sscanf(line, "close %d", &fd) == 1) {
			if (close(fd) != 0) fail(); else printf("ok\n");
		} else if (sscanf(line, "unlink %255s", name) == 1) {
			if (shm_unlink(name) != 0) fail(); else printf("ok\n");
		} else if (sscanf(line, "unmap %lx %lu", &addr, &len) == 2) {
			if (munmap((void *)addr, len) != 0) fail(); else printf("ok\n");
		} else {
			printf("err 0 unknown command %s", line);
		}
	}
	return 0;
}
`

// startShmSubject builds and starts shmSubjectC; the process is killed
// when the test ends.
func startShmSubject(t *testing.T) *subject {
	t.Helper()
	bin := buildC(t, "pmshm", shmSubjectC)
	cmd := exec.Command(bin)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &subject{tb: t, cmd: cmd, in: in, out: out.(*os.File), r: bufio.NewReader(out)}
	t.Cleanup(func() {
		in.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	if got := s.do("ping"); got != "pong" {
		t.Fatalf("subject answered %q to ping", got)
	}
	return s
}

// findShm returns the objects of objs named name.
func findShm(objs []ShmObject, name string) []ShmObject {
	var found []ShmObject
	for _, o := range objs {
		if o.Name == name {
			found = append(found, o)
		}
	}
	return found
}

// TestShmLifecycle follows a POSIX shared memory object of a real process
// through the lecture's steps: shm_open + ftruncate + mmap; shm_unlink (the
// name is gone, the memory stays); close; munmap (now it is gone).
func TestShmLifecycle(t *testing.T) {
	if _, err := os.Stat("/dev/shm"); err != nil {
		t.Skip("no /dev/shm:", err)
	}
	s := startShmSubject(t)
	pid := s.pid()
	name := fmt.Sprintf("/mapscope-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	path := "/dev/shm" + name
	t.Cleanup(func() { os.Remove(path) })
	size := int64(3 * os.Getpagesize())
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}

	var fd int
	var addr string
	if _, err := fmt.Sscanf(s.do("open %s %d", name, size), "%d %s", &fd, &addr); err != nil {
		t.Fatal(err)
	}
	// The test process is watched too, and maps nothing of it.
	read := func(step string) ShmObject {
		t.Helper()
		objs, err := readShm("/dev/shm", []int{os.Getpid(), pid}, "/proc")
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		found := findShm(objs, name)
		if len(found) != 1 {
			t.Fatalf("%s: %d objects named %s in %+v", step, len(found), name, objs)
		}
		t.Logf("%s: %+v", step, found[0])
		return found[0]
	}
	o := read("mapped")
	if o.Path != path || o.Size != size || o.Owner != me.Username || strconv.Itoa(int(o.UID)) != me.Uid ||
		o.Mode != 0o600 || o.Deleted || !slices.Equal(o.MappedBy, []int{pid}) {
		t.Errorf("mapped: %+v; want path %s, size %d, owner %s, mode 0600, mapped by [%d]", o, path, size, me.Username, pid)
	}
	fds, err := ReadFDs("/proc", pid)
	if err != nil {
		t.Fatal(err)
	}
	f := findFD(t, fds, fd)
	t.Logf("fd %d -> %s: %s (%s)", f.Num, f.Target, f.Mode, f.FlagsString())
	if f.Target != path || !strings.Contains(f.Mode, "O_RDWR") {
		t.Errorf("shm fd: target %q mode %q, want %q and O_RDWR", f.Target, f.Mode, path)
	}

	s.do("unlink %s", name)
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after shm_unlink: stat %s: %v", path, err)
	}
	o = read("unlinked")
	if o.Path != path || o.Size != size || !o.Deleted || !slices.Equal(o.MappedBy, []int{pid}) {
		t.Errorf("unlinked: %+v; want deleted, path %s, size %d, mapped by [%d]", o, path, size, pid)
	}
	fds, err = ReadFDs("/proc", pid)
	if err != nil {
		t.Fatal(err)
	}
	if f := findFD(t, fds, fd); f.Target != path+" (deleted)" {
		t.Errorf("unlinked shm fd: target %q, want %q", f.Target, path+" (deleted)")
	}

	s.do("close %d", fd)
	if o = read("closed"); !o.Deleted || !slices.Equal(o.MappedBy, []int{pid}) {
		t.Errorf("closed: %+v; the mapping alone keeps it", o)
	}

	s.do("unmap %s %d", addr, size)
	objs, err := readShm("/dev/shm", []int{pid}, "/proc")
	if err != nil {
		t.Fatal(err)
	}
	if found := findShm(objs, name); len(found) != 0 {
		t.Errorf("unmapped: still listed: %+v", found)
	}
}

// mmapFile maps length bytes of the file at offset, shared, in the test
// process.
func mmapFile(t *testing.T, path string, size int64, offset int64, length int) []byte {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	mem, err := unix.Mmap(int(f.Fd()), offset, length, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	return mem
}

// TestReadShmDir lists a directory the test owns, with files the test
// process maps: a live file, a file nobody maps, a subdirectory (not an
// object), a file removed while mapped, then a new file of the same name,
// and a file removed while mapped whose inode lives on under another name.
func TestReadShmDir(t *testing.T) {
	dir := t.TempDir()
	page := int64(os.Getpagesize())
	self := os.Getpid()
	at := func(name string) string { return filepath.Join(dir, name) }

	mmapFile(t, at("a b"), 100, 0, 100)
	if err := os.WriteFile(at("idle"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(at("sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Three pages, of which the process maps the second: the mapping
	// reaches two pages in.
	mmapFile(t, at("gone"), 3*page, page, int(page))
	if err := os.Remove(at("gone")); err != nil {
		t.Fatal(err)
	}
	mmapFile(t, at("gone"), 10, 0, 10)
	// Mapped as "linked", which is then removed: the maps path says
	// "linked (deleted)" but the memory still has a name, "alias".
	mmapFile(t, at("linked"), page, 0, int(page))
	if err := os.Link(at("linked"), at("alias")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(at("linked")); err != nil {
		t.Fatal(err)
	}

	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	objs, err := readShm(dir+"/", []int{self, exited.Process.Pid, self}, "/proc")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, fmt.Sprintf("%s %s size=%d deleted=%v by=%v", o.Name, o.Path, o.Size, o.Deleted, o.MappedBy))
	}
	by := fmt.Sprint([]int{self})
	want := []string{
		fmt.Sprintf("/a b %s size=100 deleted=false by=%s", at("a b"), by),
		fmt.Sprintf("/alias %s size=%d deleted=false by=%s", at("alias"), page, by),
		fmt.Sprintf("/gone %s size=10 deleted=false by=%s", at("gone"), by),
		fmt.Sprintf("/gone %s size=%d deleted=true by=%s", at("gone"), 2*page, by),
		fmt.Sprintf("/idle %s size=0 deleted=false by=[]", at("idle")),
	}
	if !slices.Equal(got, want) {
		t.Errorf("ReadShm:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	fi, err := os.Stat(at("a b"))
	if err != nil {
		t.Fatal(err)
	}
	if o := objs[0]; o.UID != uint32(os.Getuid()) || o.Owner == "" || o.Mode != fi.Mode() || o.Inode == 0 {
		t.Errorf("live object: uid %d owner %q mode %v (want %v) inode %d", o.UID, o.Owner, o.Mode, fi.Mode(), o.Inode)
	}
	if o := objs[3]; o.UID != 0 || o.Owner != "" || o.Mode != 0 || o.Inode == 0 || o.Inode == objs[2].Inode {
		t.Errorf("deleted object: uid %d owner %q mode %v inode %d (live one's %d)", o.UID, o.Owner, o.Mode, o.Inode, objs[2].Inode)
	}
}

// TestReadShmErrors: a missing directory is an error that says so, and so
// is a process whose maps cannot be read; a process that is gone is not.
func TestReadShmErrors(t *testing.T) {
	if _, err := readShm(filepath.Join(t.TempDir(), "none"), nil, "/proc"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: %v, want fs.ErrNotExist", err)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "9", "maps"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := readShm(t.TempDir(), []int{8, 9}, root); err == nil || !errors.Is(err, syscall.EISDIR) {
		t.Errorf("unreadable maps: %v, want the read error", err)
	}
}

func TestUserName(t *testing.T) {
	if got := userName(0); got != "root" {
		t.Errorf("userName(0) = %q, want root", got)
	}
	if got := userName(3999999999); got != "3999999999" {
		t.Errorf("userName of a UID with no name = %q, want the number", got)
	}
}

// readShm is ShmObjects for pids, reading their maps under root: a process
// that has exited maps nothing; any other error reading maps is returned.
func readShm(dir string, pids []int, root string) ([]ShmObject, error) {
	maps := make(map[int][]Mapping)
	for _, pid := range sortedUnique(pids) {
		snap, _, err := NewSource(root, pid).Read()
		if errors.Is(err, ErrNoProcess) || errors.Is(err, ErrNoMappings) {
			continue
		}
		if err != nil {
			return nil, err
		}
		maps[pid] = snap.Mappings
	}
	return ShmObjects(dir, maps)
}

// sortedUnique returns the PIDs ascending, each once, leaving pids as it is.
func sortedUnique(pids []int) []int {
	return slices.Compact(slices.Sorted(slices.Values(pids)))
}
