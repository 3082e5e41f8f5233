package procmaps

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"
)

// FD is one open file descriptor of a process, as /proc/<pid>/fd/<Num> and
// /proc/<pid>/fdinfo/<Num> show it.
type FD struct {
	Num int
	// Target is the readlink of /proc/<pid>/fd/<Num> exactly as the kernel
	// wrote it: "/dev/shm/my_data", "pipe:[1234]", "anon_inode:[eventfd]",
	// "/tmp/x (deleted)".
	Target string
	// Flags are the file status flags of the "flags:" line of fdinfo,
	// which the kernel prints in octal: the access mode, the open flags
	// the file keeps, and O_CLOEXEC when the descriptor has it.
	Flags int
	// Pos is the file offset. The kernel prints it signed: an offset at or
	// above 2^63, which /proc/<pid>/mem reaches, is negative.
	Pos int64
	// Mode is the access mode and the flags that change how the
	// descriptor behaves, as C names them: "O_RDWR",
	// "O_RDONLY | O_CLOEXEC". FlagsString names every flag.
	Mode string
}

// FlagsString returns every flag of f.Flags as C names them, joined by
// " | ", the access mode first: "O_RDWR | O_LARGEFILE | O_CLOEXEC". Bits
// with no name are shown last, in octal as fdinfo prints them.
func (f FD) FlagsString() string { return flagNames(f.Flags, false) }

// ReadFDs returns the open file descriptors of process pid under the proc
// file system mounted at root (normally "/proc"), ascending by number.
//
// A descriptor closed between the read of the fd directory and the read of
// its link or fdinfo is left out: the list is what the process had open at
// some moment during the call. A number closed and reused in that window
// can pair the link of one file with the flags of the next.
//
// The error is ErrNoProcess when the process is gone, and one for which
// errors.Is(err, fs.ErrPermission) holds for another user's process.
func ReadFDs(root string, pid int) ([]FD, error) {
	return readFDs(root, pid, os.Readlink)
}

// readFDs is ReadFDs with the readlink call as a parameter, so that the
// tests can close a descriptor between the directory read and the link.
func readFDs(root string, pid int, readlink func(string) (string, error)) ([]FD, error) {
	pfs, err := procfs.NewFS(root)
	if err != nil {
		return nil, err
	}
	p, err := pfs.Proc(pid)
	if err != nil {
		return nil, describe(pid, err)
	}
	nums, err := p.FileDescriptors()
	if err != nil {
		return nil, describe(pid, err)
	}
	slices.Sort(nums)
	dir := filepath.Join(root, strconv.Itoa(pid))
	fds := make([]FD, 0, len(nums))
	vanished := false
	for _, n := range nums {
		name := strconv.FormatUint(uint64(n), 10)
		target, err := readlink(filepath.Join(dir, "fd", name))
		var info []byte
		if err == nil {
			info, err = os.ReadFile(filepath.Join(dir, "fdinfo", name))
		}
		if closed(err) {
			vanished = true
			continue
		}
		if err != nil {
			return nil, describe(pid, err)
		}
		pos, flags, err := parseFDInfo(info)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "fdinfo", name), err)
		}
		fds = append(fds, FD{Num: int(n), Target: target, Flags: flags, Pos: pos, Mode: flagNames(flags, true)})
	}
	if vanished {
		// Every descriptor vanishes at once when the process exits: that
		// is no process, not a process with no files.
		if _, err := os.Stat(dir); err != nil {
			return nil, describe(pid, err)
		}
	}
	return fds, nil
}

// closed reports whether err says the descriptor (or its whole process)
// went away after the fd directory was read.
func closed(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH)
}

// errFDInfo means an fdinfo text lacks a pos or flags line or has a value
// that is not a number.
var errFDInfo = errors.New("malformed fdinfo")

// parseFDInfo returns the offset and flags of an fdinfo text:
//
//	pos:	0
//	flags:	02100002
//	mnt_id:	25
//	ino:	1234
//
// Lines other than pos and flags (mnt_id, ino, eventfd-count, tfd, inotify
// and what later kernels add) are ignored.
func parseFDInfo(text []byte) (pos int64, flags int, err error) {
	seen := 0
	for line := range bytes.Lines(text) {
		key, value, ok := bytes.Cut(bytes.TrimSuffix(line, []byte("\n")), []byte(":"))
		if !ok {
			continue
		}
		v := string(bytes.TrimSpace(value))
		switch string(key) {
		case "pos":
			pos, err = strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("%w: pos %q", errFDInfo, v)
			}
			seen |= 1
		case "flags":
			f, err := strconv.ParseUint(v, 8, 32)
			if err != nil {
				return 0, 0, fmt.Errorf("%w: flags %q is not octal", errFDInfo, v)
			}
			flags = int(f)
			seen |= 2
		}
	}
	if seen != 3 {
		return 0, 0, fmt.Errorf("%w: no pos and flags lines in %q", errFDInfo, text)
	}
	return pos, flags, nil
}

// openFlag is a flag of fdinfo's flags line. bits is what must all be set
// for the name to apply: O_SYNC and O_TMPFILE include another flag's bit,
// so they come before it and take it.
type openFlag struct {
	name    string
	bits    int
	notable bool // shown in FD.Mode
}

// openFlags lists the flags after the access mode, in the order they are
// shown. The values come from x/sys for the architecture, except
// O_LARGEFILE: x/sys (like glibc) defines it as 0 on 64-bit systems, while
// the kernel sets its own bit on every file a 64-bit process opens with
// open(2) (not on pipes, sockets or eventfds).
var openFlags = []openFlag{
	{"O_APPEND", unix.O_APPEND, true},
	{"O_NONBLOCK", unix.O_NONBLOCK, true},
	{"O_SYNC", unix.O_SYNC, true},
	{"O_DSYNC", unix.O_DSYNC, true},
	{"O_ASYNC", unix.O_ASYNC, true},
	{"O_DIRECT", unix.O_DIRECT, true},
	{"O_NOATIME", unix.O_NOATIME, true},
	{"O_LARGEFILE", OLargefile, false},
	{"O_TMPFILE", unix.O_TMPFILE, true},
	{"O_DIRECTORY", unix.O_DIRECTORY, false},
	{"O_NOFOLLOW", unix.O_NOFOLLOW, false},
	// The kernel clears these after open; they are named in case a file
	// keeps one.
	{"O_CREAT", unix.O_CREAT, false},
	{"O_EXCL", unix.O_EXCL, false},
	{"O_NOCTTY", unix.O_NOCTTY, false},
	{"O_TRUNC", unix.O_TRUNC, false},
	{"O_CLOEXEC", unix.O_CLOEXEC, true},
}

// OLargefile is the kernel's O_LARGEFILE bit for the architecture
// (include/uapi/asm-generic/fcntl.h and the arch overrides): x/sys, like
// glibc on 64-bit systems, defines O_LARGEFILE as 0, yet the kernel sets
// this bit on every file a 64-bit process opens, and fdinfo and strace
// show it.
var OLargefile = kernelLargeFile()

func kernelLargeFile() int {
	switch runtime.GOARCH {
	case "arm", "arm64":
		return 0o400000
	case "ppc64", "ppc64le":
		return 0o200000
	case "mips", "mipsle", "mips64", "mips64le":
		return 0x2000
	}
	return 0o100000
}

// flagNames names flags: the access mode (or O_PATH, which has none), then
// every flag of openFlags (only the notable ones when notable is set), then
// any bits left over in octal unless notable is set.
func flagNames(flags int, notable bool) string {
	var names []string
	rest := flags &^ unix.O_ACCMODE
	switch {
	case rest&unix.O_PATH != 0:
		names = append(names, "O_PATH") // the kernel keeps no access mode with it
		rest &^= unix.O_PATH
	case flags&unix.O_ACCMODE == unix.O_RDONLY:
		names = append(names, "O_RDONLY")
	case flags&unix.O_ACCMODE == unix.O_WRONLY:
		names = append(names, "O_WRONLY")
	case flags&unix.O_ACCMODE == unix.O_RDWR:
		names = append(names, "O_RDWR")
	default: // 3: no read, no write, ioctl only
		names = append(names, "03")
	}
	for _, f := range openFlags {
		if rest&f.bits != f.bits {
			continue
		}
		rest &^= f.bits
		if f.notable || !notable {
			names = append(names, f.name)
		}
	}
	if rest != 0 && !notable {
		names = append(names, "0"+strconv.FormatInt(int64(rest), 8))
	}
	return strings.Join(names, " | ")
}
