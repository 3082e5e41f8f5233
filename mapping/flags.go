package mapping

import (
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"mapscope/procmaps"
)

// This file names the flag and constant values that appear in calls, the way
// C source (and strace) spells them. It holds no syscall numbers: the values
// come from x/sys/unix, which is generated per architecture, so the same
// tables serve amd64 and arm64 (whose O_DIRECTORY, O_NOFOLLOW and O_DIRECT
// differ).

// flagName is one named bit (or bit group) of a flags argument.
type flagName struct {
	value uint64
	name  string
}

var protNames = []flagName{
	{unix.PROT_READ, "PROT_READ"},
	{unix.PROT_WRITE, "PROT_WRITE"},
	{unix.PROT_EXEC, "PROT_EXEC"},
	{unix.PROT_GROWSDOWN, "PROT_GROWSDOWN"},
	{unix.PROT_GROWSUP, "PROT_GROWSUP"},
}

// mapTypes are the values of the MAP_TYPE field (the low four bits).
var mapTypes = []flagName{
	{unix.MAP_SHARED, "MAP_SHARED"},
	{unix.MAP_PRIVATE, "MAP_PRIVATE"},
	{unix.MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE"},
}

var mapNames = func() []flagName {
	names := []flagName{
		{unix.MAP_FIXED, "MAP_FIXED"},
		{unix.MAP_ANONYMOUS, "MAP_ANONYMOUS"},
	}
	if runtime.GOARCH == "amd64" {
		names = append(names, flagName{0x40, "MAP_32BIT"})
	}
	return append(names,
		flagName{unix.MAP_GROWSDOWN, "MAP_GROWSDOWN"},
		flagName{unix.MAP_DENYWRITE, "MAP_DENYWRITE"},
		flagName{unix.MAP_EXECUTABLE, "MAP_EXECUTABLE"},
		flagName{unix.MAP_LOCKED, "MAP_LOCKED"},
		flagName{unix.MAP_NORESERVE, "MAP_NORESERVE"},
		flagName{unix.MAP_POPULATE, "MAP_POPULATE"},
		flagName{unix.MAP_NONBLOCK, "MAP_NONBLOCK"},
		flagName{unix.MAP_STACK, "MAP_STACK"},
		flagName{unix.MAP_HUGETLB, "MAP_HUGETLB"},
		flagName{unix.MAP_SYNC, "MAP_SYNC"},
		flagName{unix.MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"},
	)
}()

// openAccModes are the values of the O_ACCMODE field.
var openAccModes = []flagName{
	{unix.O_RDONLY, "O_RDONLY"},
	{unix.O_WRONLY, "O_WRONLY"},
	{unix.O_RDWR, "O_RDWR"},
}

// oLargefile is the kernel's value of O_LARGEFILE (procmaps.OLargefile):
// strace shows the bit when it is set.
var oLargefile = uint64(procmaps.OLargefile)

// openNames lists open flags in the order strace prints them. Composite
// flags (O_SYNC contains O_DSYNC, O_TMPFILE contains O_DIRECTORY) come before
// their parts so that they take their bits first.
var openNames = []flagName{
	{unix.O_CREAT, "O_CREAT"},
	{unix.O_EXCL, "O_EXCL"},
	{unix.O_NOCTTY, "O_NOCTTY"},
	{unix.O_TRUNC, "O_TRUNC"},
	{unix.O_APPEND, "O_APPEND"},
	{unix.O_NONBLOCK, "O_NONBLOCK"},
	{unix.O_SYNC, "O_SYNC"},
	{unix.O_DSYNC, "O_DSYNC"},
	{unix.O_ASYNC, "O_ASYNC"},
	{unix.O_DIRECT, "O_DIRECT"},
	{oLargefile, "O_LARGEFILE"},
	{unix.O_TMPFILE, "O_TMPFILE"},
	{unix.O_DIRECTORY, "O_DIRECTORY"},
	{unix.O_NOFOLLOW, "O_NOFOLLOW"},
	{unix.O_NOATIME, "O_NOATIME"},
	{unix.O_CLOEXEC, "O_CLOEXEC"},
	{unix.O_PATH, "O_PATH"},
}

var msyncNames = []flagName{
	{unix.MS_ASYNC, "MS_ASYNC"},
	{unix.MS_INVALIDATE, "MS_INVALIDATE"},
	{unix.MS_SYNC, "MS_SYNC"},
}

// madviseNames are the advice values of madvise; they are values, not bits.
var madviseNames = map[uint64]string{
	unix.MADV_NORMAL:      "MADV_NORMAL",
	unix.MADV_RANDOM:      "MADV_RANDOM",
	unix.MADV_SEQUENTIAL:  "MADV_SEQUENTIAL",
	unix.MADV_WILLNEED:    "MADV_WILLNEED",
	unix.MADV_DONTNEED:    "MADV_DONTNEED",
	unix.MADV_FREE:        "MADV_FREE",
	unix.MADV_REMOVE:      "MADV_REMOVE",
	unix.MADV_DONTFORK:    "MADV_DONTFORK",
	unix.MADV_DOFORK:      "MADV_DOFORK",
	unix.MADV_MERGEABLE:   "MADV_MERGEABLE",
	unix.MADV_UNMERGEABLE: "MADV_UNMERGEABLE",
	unix.MADV_HUGEPAGE:    "MADV_HUGEPAGE",
	unix.MADV_NOHUGEPAGE:  "MADV_NOHUGEPAGE",
	unix.MADV_DONTDUMP:    "MADV_DONTDUMP",
	unix.MADV_DODUMP:      "MADV_DODUMP",
	unix.MADV_WIPEONFORK:  "MADV_WIPEONFORK",
	unix.MADV_KEEPONFORK:  "MADV_KEEPONFORK",
	unix.MADV_COLD:        "MADV_COLD",
	unix.MADV_PAGEOUT:     "MADV_PAGEOUT",
	unix.MADV_HWPOISON:    "MADV_HWPOISON",
	22:                    "MADV_POPULATE_READ",
	23:                    "MADV_POPULATE_WRITE",
	24:                    "MADV_DONTNEED_LOCKED",
	25:                    "MADV_COLLAPSE",
}

// joinFlags names the bits of v from names, in table order, joined with
// " | " as C source writes them; bits no name covers are appended in hex.
func joinFlags(v uint64, names []flagName) []string {
	var parts []string
	for _, f := range names {
		if f.value != 0 && v&f.value == f.value {
			parts = append(parts, f.name)
			v &^= f.value
		}
	}
	if v != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(v, 16))
	}
	return parts
}

// valueName returns the name of the value v in names, or "" when none matches.
func valueName(v uint64, names []flagName) string {
	for _, f := range names {
		if f.value == v {
			return f.name
		}
	}
	return ""
}

// ProtString formats an mmap/mprotect protection as C writes it:
// "PROT_READ | PROT_WRITE", or "PROT_NONE" for 0.
func ProtString(prot int) string {
	if prot == unix.PROT_NONE {
		return "PROT_NONE"
	}
	return strings.Join(joinFlags(uint64(uint32(prot)), protNames), " | ")
}

// MapFlagsString formats mmap flags as C writes them, the sharing type
// first: "MAP_SHARED | MAP_ANONYMOUS". Huge-page size bits are shown as
// MAP_HUGE_2MB / MAP_HUGE_1GB or "N << MAP_HUGE_SHIFT".
func MapFlagsString(flags int) string {
	v := uint64(uint32(flags))
	var parts []string
	if t := v & 0xf; t != 0 {
		if name := valueName(t, mapTypes); name != "" {
			parts = append(parts, name)
		} else {
			parts = append(parts, "0x"+strconv.FormatUint(t, 16))
		}
		v &^= 0xf
	}
	huge := v >> unix.MAP_HUGE_SHIFT & unix.MAP_HUGE_MASK
	v &^= unix.MAP_HUGE_MASK << unix.MAP_HUGE_SHIFT
	parts = append(parts, joinFlags(v, mapNames)...)
	switch huge {
	case 0:
	case 21:
		parts = append(parts, "MAP_HUGE_2MB")
	case 30:
		parts = append(parts, "MAP_HUGE_1GB")
	default:
		parts = append(parts, strconv.FormatUint(huge, 10)+" << MAP_HUGE_SHIFT")
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, " | ")
}

// OpenFlagsString formats open flags as C (and strace) writes them, the
// access mode first: "O_RDWR | O_CREAT | O_TRUNC".
func OpenFlagsString(flags int) string {
	return strings.Join(openFlagParts(flags), " | ")
}

// openFlagParts splits open flags into the access mode followed by the
// other named flags.
func openFlagParts(flags int) []string {
	v := uint64(uint32(flags))
	acc := valueName(v&unix.O_ACCMODE, openAccModes)
	if acc == "" {
		acc = "O_ACCMODE"
	}
	return append([]string{acc}, joinFlags(v&^unix.O_ACCMODE, openNames)...)
}

// shmFlagsString formats shm_open flags the way shm_open(3) and most C code
// write them: the other flags first, the access mode last
// ("O_CREAT | O_RDWR").
func shmFlagsString(flags int) string {
	parts := openFlagParts(flags)
	return strings.Join(append(parts[1:], parts[0]), " | ")
}

// MsyncFlagsString formats msync flags: "MS_SYNC", "MS_ASYNC | MS_INVALIDATE".
func MsyncFlagsString(flags int) string {
	if flags == 0 {
		return "0"
	}
	return strings.Join(joinFlags(uint64(uint32(flags)), msyncNames), " | ")
}

// AdviceString names a madvise advice value: "MADV_DONTNEED"; unknown values
// are shown as decimal numbers.
func AdviceString(advice int) string {
	if name, ok := madviseNames[uint64(advice)]; ok {
		return name
	}
	return strconv.Itoa(advice)
}

// modeString formats a file mode in octal as C writes it: 0644, 0.
func modeString(mode uint32) string {
	if mode == 0 {
		return "0"
	}
	return "0" + strconv.FormatUint(uint64(mode), 8)
}

// dirfdString names the directory argument of the *at calls.
func dirfdString(fd int) string {
	if fd == unix.AT_FDCWD {
		return "AT_FDCWD"
	}
	return strconv.Itoa(fd)
}
