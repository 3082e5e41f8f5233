package procmaps

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/procfs"
)

// Identity is who a process is: what the header shows.
type Identity struct {
	PID     int
	PPID    int
	Comm    string
	Cmdline []string // empty for kernel threads and zombies
	Exe     string   // "" when it cannot be read (another user's process)
	State   string   // one letter, as in /proc/<pid>/stat: R S D T t Z X I
	UID     uint64   // real user ID
	Threads int
}

// Command returns the command line joined with spaces, or the comm name in
// brackets when there is no command line (a kernel thread or a zombie).
func (id Identity) Command() string {
	if len(id.Cmdline) == 0 {
		return "[" + id.Comm + "]"
	}
	return strings.Join(id.Cmdline, " ")
}

// Exited reports whether the process has finished: a zombie or dead task.
func (id Identity) Exited() bool { return id.State == "Z" || id.State == "X" }

// ReadIdentity reads the identity of process pid through procfs.
func ReadIdentity(root string, pid int) (Identity, error) {
	fs, err := procfs.NewFS(root)
	if err != nil {
		return Identity{}, err
	}
	p, err := fs.Proc(pid)
	if err != nil {
		return Identity{}, describe(pid, err)
	}
	st, err := p.Stat()
	if err != nil {
		return Identity{}, describe(pid, err)
	}
	id := Identity{PID: pid, PPID: st.PPID, Comm: st.Comm, State: st.State, Threads: st.NumThreads}
	if status, err := p.NewStatus(); err == nil {
		id.UID = status.UIDs[0]
	}
	id.Cmdline, _ = p.CmdLine()
	id.Exe, _ = p.Executable()
	return id, nil
}

// Totals are the process-wide figures of /proc/<pid>/smaps_rollup, in bytes.
type Totals = procfs.ProcSMapsRollup

// ReadTotals reads /proc/<pid>/smaps_rollup through procfs. The kernel
// walks the page tables of every mapping for it, so call it once a refresh,
// not once a row.
func ReadTotals(root string, pid int) (Totals, error) {
	fs, err := procfs.NewFS(root)
	if err != nil {
		return Totals{}, err
	}
	p, err := fs.Proc(pid)
	if err != nil {
		return Totals{}, describe(pid, err)
	}
	t, err := p.ProcSMapsRollup()
	if err != nil {
		return Totals{}, describe(pid, err)
	}
	return t, nil
}

// CheckReadable tells why the maps of pid cannot be shown, or returns nil:
// ErrNoProcess, a permission error, or ErrNoMappings for a kernel thread or
// a zombie.
func CheckReadable(root string, pid int) error {
	src := NewSource(root, pid)
	_, _, err := src.Read()
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNoMappings) {
		id, ierr := ReadIdentity(root, pid)
		if ierr == nil && id.Exited() {
			return fmt.Errorf("pid %d (%s) is a zombie: it has exited and has no address space left: %w", pid, id.Comm, ErrNoMappings)
		}
		if ierr == nil {
			return fmt.Errorf("pid %d (%s) is a kernel thread: it has no user address space: %w", pid, id.Comm, ErrNoMappings)
		}
	}
	return err
}

// ReadState returns the state letter of /proc/<pid>/stat — "R" running, "S"
// asleep, "D" in uninterruptible sleep, "t" stopped by a tracer, "Z" a
// zombie — or "" when the process is gone. It reads one small file, for a
// caller that polls.
func ReadState(root string, pid int) string {
	b, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return ""
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold anything, ')' included
	if i < 0 || i+3 > len(b) {
		return ""
	}
	return string(b[i+2 : i+3])
}

// WaitAsleep waits, at most timeout, until pid is asleep ("S"), and returns
// its state then ("" when it is gone). A process just started is loading
// its libraries, and one just let go after an injected call is briefly "R"
// or "t": its maps or state are not yet what they will stay.
func WaitAsleep(root string, pid int, timeout time.Duration) string {
	st := ReadState(root, pid)
	for deadline := time.Now().Add(timeout); st != "S" && st != "" && time.Now().Before(deadline); st = ReadState(root, pid) {
		time.Sleep(2 * time.Millisecond)
	}
	return st
}
