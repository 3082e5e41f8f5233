package csrc

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// sprintf is fmt.Sprintf, short.
func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// constant is a named value of the C headers.
type constant struct {
	v uint64
	t ctype
}

func ic(v int) constant { return constant{v: uint64(int64(v)), t: tInt} }

// constants are the names the programs may use: <sys/mman.h>, <fcntl.h>,
// <signal.h>, <sys/wait.h>, <stdlib.h>, <sys/stat.h>.
var constants = map[string]constant{
	"NULL":       {v: 0, t: tVoidP},
	"MAP_FAILED": {v: ^uint64(0), t: tVoidP},

	"PROT_NONE": ic(unix.PROT_NONE), "PROT_READ": ic(unix.PROT_READ), "PROT_WRITE": ic(unix.PROT_WRITE),
	"PROT_EXEC": ic(unix.PROT_EXEC),

	"MAP_SHARED": ic(unix.MAP_SHARED), "MAP_PRIVATE": ic(unix.MAP_PRIVATE),
	"MAP_SHARED_VALIDATE": ic(unix.MAP_SHARED_VALIDATE), "MAP_ANONYMOUS": ic(unix.MAP_ANONYMOUS),
	"MAP_ANON": ic(unix.MAP_ANONYMOUS), "MAP_FIXED": ic(unix.MAP_FIXED),
	"MAP_FIXED_NOREPLACE": ic(unix.MAP_FIXED_NOREPLACE), "MAP_POPULATE": ic(unix.MAP_POPULATE),
	"MAP_NORESERVE": ic(unix.MAP_NORESERVE), "MAP_LOCKED": ic(unix.MAP_LOCKED),
	"MAP_GROWSDOWN": ic(unix.MAP_GROWSDOWN), "MAP_HUGETLB": ic(unix.MAP_HUGETLB),
	"MAP_STACK": ic(unix.MAP_STACK),

	"O_RDONLY": ic(unix.O_RDONLY), "O_WRONLY": ic(unix.O_WRONLY), "O_RDWR": ic(unix.O_RDWR),
	"O_CREAT": ic(unix.O_CREAT), "O_EXCL": ic(unix.O_EXCL), "O_TRUNC": ic(unix.O_TRUNC),
	"O_APPEND": ic(unix.O_APPEND), "O_CLOEXEC": ic(unix.O_CLOEXEC), "O_NOFOLLOW": ic(unix.O_NOFOLLOW),
	"O_DIRECTORY": ic(unix.O_DIRECTORY), "O_SYNC": ic(unix.O_SYNC), "O_NONBLOCK": ic(unix.O_NONBLOCK),
	"AT_FDCWD": ic(unix.AT_FDCWD),

	"MS_ASYNC": ic(unix.MS_ASYNC), "MS_SYNC": ic(unix.MS_SYNC), "MS_INVALIDATE": ic(unix.MS_INVALIDATE),

	"MADV_NORMAL": ic(unix.MADV_NORMAL), "MADV_RANDOM": ic(unix.MADV_RANDOM),
	"MADV_SEQUENTIAL": ic(unix.MADV_SEQUENTIAL), "MADV_WILLNEED": ic(unix.MADV_WILLNEED),
	"MADV_DONTNEED": ic(unix.MADV_DONTNEED), "MADV_FREE": ic(unix.MADV_FREE),
	"MADV_REMOVE": ic(unix.MADV_REMOVE), "MADV_DONTFORK": ic(unix.MADV_DONTFORK),
	"MADV_DOFORK": ic(unix.MADV_DOFORK), "MADV_MERGEABLE": ic(unix.MADV_MERGEABLE),
	"MADV_HUGEPAGE": ic(unix.MADV_HUGEPAGE), "MADV_NOHUGEPAGE": ic(unix.MADV_NOHUGEPAGE),
	"MADV_COLD": ic(unix.MADV_COLD), "MADV_PAGEOUT": ic(unix.MADV_PAGEOUT),

	"S_IRWXU": ic(0o700), "S_IRUSR": ic(0o400), "S_IWUSR": ic(0o200), "S_IXUSR": ic(0o100),
	"S_IRWXG": ic(0o070), "S_IRGRP": ic(0o040), "S_IWGRP": ic(0o020), "S_IXGRP": ic(0o010),
	"S_IRWXO": ic(0o007), "S_IROTH": ic(0o004), "S_IWOTH": ic(0o002), "S_IXOTH": ic(0o001),

	"WNOHANG": ic(unix.WNOHANG), "WUNTRACED": ic(unix.WUNTRACED),
	"EXIT_SUCCESS": ic(0), "EXIT_FAILURE": ic(1),
	"STDIN_FILENO": ic(0), "STDOUT_FILENO": ic(1), "STDERR_FILENO": ic(2),
}

func init() {
	for sig := unix.Signal(1); sig < 32; sig++ {
		if n := unix.SignalName(sig); n != "" {
			constants[n] = ic(int(sig))
		}
	}
	for e := unix.Errno(1); e < 134; e++ {
		if n := unix.ErrnoName(e); n != "" {
			constants[n] = ic(int(e))
		}
	}
}

// knownFunctions lists the callable names, for an error message.
func knownFunctions() string {
	var names []string
	for n := range builtins {
		if !strings.HasPrefix(n, "W") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Names returns every name a program may use that is not a variable:
// functions and constants, sorted (for tab completion).
func Names() []string {
	var names []string
	for n := range builtins {
		names = append(names, n)
	}
	for n := range constants {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
