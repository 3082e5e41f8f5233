package procmaps

import (
	"fmt"
	"strings"
)

// Perms are the four permission characters of a maps line: r, w, x and
// s (shared) or p (private).
type Perms struct {
	Read, Write, Exec, Shared bool
}

// String returns the permissions as the kernel prints them, e.g. "rw-p".
func (p Perms) String() string {
	b := [4]byte{'-', '-', '-', 'p'}
	if p.Read {
		b[0] = 'r'
	}
	if p.Write {
		b[1] = 'w'
	}
	if p.Exec {
		b[2] = 'x'
	}
	if p.Shared {
		b[3] = 's'
	}
	return string(b[:])
}

// None reports whether the mapping can be neither read, written nor executed.
func (p Perms) None() bool { return !p.Read && !p.Write && !p.Exec }

// Mapping is one line of /proc/<pid>/maps.
type Mapping struct {
	Start, End uint64 // [Start, End)
	Perms      Perms
	Kind       Kind   // Classify's verdict; next to Perms so a Mapping is 64 bytes, not 72
	Offset     uint64 // offset into the backing file, in bytes
	Major      uint32 // device major number
	Minor      uint32 // device minor number
	Inode      uint64
	// Path is the name field exactly as the kernel wrote it: a file path,
	// a pseudo-name such as "[heap]" or "[anon:name]", or "" for an
	// anonymous mapping. A newline in a file name appears as "\012".
	Path string
}

// Size returns the length of the mapping in bytes.
func (m Mapping) Size() uint64 { return m.End - m.Start }

// Dev returns the device as the kernel prints it, e.g. "08:02".
func (m Mapping) Dev() string { return fmt.Sprintf("%02x:%02x", m.Major, m.Minor) }

// Deleted reports whether the backing file was unlinked while mapped.
func (m Mapping) Deleted() bool { return strings.HasSuffix(m.Path, deletedSuffix) }

// Anonymous reports whether the mapping has no backing file (it may still
// have a pseudo-name such as [heap] or [anon:name]).
func (m Mapping) Anonymous() bool { return m.Inode == 0 && !strings.HasPrefix(m.Path, "/") }

// Contains reports whether addr lies inside the mapping.
func (m Mapping) Contains(addr uint64) bool { return addr >= m.Start && addr < m.End }

// Label is the "what is it" text of a mapping: its path, or a bracketed
// description for anonymous memory.
func (m Mapping) Label() string {
	switch {
	case m.Path != "":
		return m.Path
	case m.Perms.Shared:
		return "[anon shared]"
	default:
		return "[anon]"
	}
}

// same reports whether two mappings are identical in every field the
// kernel prints.
func (m Mapping) same(o Mapping) bool {
	return m.Start == o.Start && m.End == o.End && m.Perms == o.Perms &&
		m.Offset == o.Offset && m.Major == o.Major && m.Minor == o.Minor &&
		m.Inode == o.Inode && m.Path == o.Path
}

const (
	deletedSuffix  = " (deleted)"
	sharedAnonName = "/dev/zero" + deletedSuffix
)

// Kind classifies a mapping by what it holds. The UI colours rows by Kind.
type Kind uint8

// The kinds of mapping, from the most specific test to the most general.
const (
	KindAnonPrivate Kind = iota // anonymous private memory (malloc arenas, mmap)
	KindAnonShared              // MAP_SHARED|MAP_ANONYMOUS memory
	KindCode                    // executable: program and library text, JIT
	KindRodata                  // read-only private file data
	KindData                    // writable private file data
	KindFileShared              // MAP_SHARED mapping of a regular file
	KindShm                     // POSIX or System V shared memory, memfd
	KindHeap                    // [heap], the brk area
	KindStack                   // [stack]
	KindSpecial                 // [vdso], [vvar], [vsyscall] and other kernel pseudo-mappings
	KindGuard                   // no access at all (---p): guard pages, reservations
	KindDeleted                 // a file that was unlinked while mapped
	numKinds
)

var kindNames = [numKinds]string{
	KindAnonPrivate: "anon",
	KindAnonShared:  "anon shared",
	KindCode:        "code",
	KindRodata:      "rodata",
	KindData:        "data",
	KindFileShared:  "file shared",
	KindShm:         "shm",
	KindHeap:        "heap",
	KindStack:       "stack",
	KindSpecial:     "special",
	KindGuard:       "guard",
	KindDeleted:     "deleted",
}

// String returns the kind's short name, as used in filters and JSON.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Kinds returns every kind in display order (for legends).
func Kinds() []Kind {
	ks := make([]Kind, numKinds)
	for i := range ks {
		ks[i] = Kind(i)
	}
	return ks
}

// Classify returns the Kind of a mapping from its permissions and name.
func Classify(m Mapping) Kind { return classify(m.Path, m.Perms, m.Inode) }

func classify(p string, perms Perms, inode uint64) Kind {
	if p == "" { // most lines of a big process: decide without the name tests
		switch {
		case perms.None():
			return KindGuard
		case perms.Exec:
			return KindCode
		case perms.Shared:
			return KindAnonShared
		}
		return KindAnonPrivate
	}
	switch {
	case perms.None():
		return KindGuard
	case p == "[heap]":
		return KindHeap
	case p == "[stack]" || strings.HasPrefix(p, "[stack:"):
		return KindStack
	case perms.Shared && (p == sharedAnonName || strings.HasPrefix(p, "[anon_shmem:")):
		// MAP_SHARED|MAP_ANONYMOUS memory is shmem that the kernel names
		// after an unlinked /dev/zero, or [anon_shmem:NAME] once named.
		return KindAnonShared
	case strings.HasPrefix(p, "/dev/shm/") || strings.HasPrefix(p, "/SYSV") ||
		strings.HasPrefix(p, "/memfd:"):
		return KindShm
	case strings.HasPrefix(p, "[anon:"):
		if perms.Shared {
			return KindAnonShared
		}
		return KindAnonPrivate
	case strings.HasPrefix(p, "["):
		return KindSpecial
	case strings.HasSuffix(p, deletedSuffix):
		return KindDeleted
	case inode == 0 && !strings.HasPrefix(p, "/"): // a name that is not a path and no inode
		if perms.Exec {
			return KindCode
		}
		if perms.Shared {
			return KindAnonShared
		}
		return KindAnonPrivate
	case perms.Shared:
		return KindFileShared
	case perms.Exec:
		return KindCode
	case perms.Write:
		return KindData
	default:
		return KindRodata
	}
}
