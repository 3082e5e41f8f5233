package mapping

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrRefused is matched (errors.Is) by every error that means mapscope left a
// process alone on purpose: it is filtered by seccomp, runs 32-bit code, is
// traced by someone else, or ptrace was denied.
var ErrRefused = errors.New("refused")

// RefusedError says why mapscope will not act on a process. Err, when set,
// is the underlying errno (unix.EPERM for a denied ptrace).
type RefusedError struct {
	Pid    int
	Reason string
	Err    error
}

// Error says which process was left alone and why, in one sentence.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("will not act on process %d: %s", e.Pid, e.Reason)
}

// Unwrap returns the underlying errno, if any.
func (e *RefusedError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// procStatus is what the engine reads from /proc/<pid>/status before acting.
type procStatus struct {
	name      string
	state     string
	tgid      int
	uid       int // real uid
	euid      int
	tracerPid int
	ppid      int
	seccomp   int // 0 none, 1 strict, 2 filter
	capEff    uint64
}

// readProcStatus reads /proc/<pid>/status. A missing process gives an error
// that matches unix.ESRCH.
func readProcStatus(pid int) (procStatus, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if errors.Is(err, os.ErrNotExist) {
		return procStatus{}, fmt.Errorf("no process with PID %d: %w", pid, unix.ESRCH)
	}
	if err != nil {
		return procStatus{}, err
	}
	return parseProcStatus(data), nil
}

// parseProcStatus parses the fields of a status file that the engine uses;
// unknown and missing fields are ignored.
func parseProcStatus(data []byte) procStatus {
	var st procStatus
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) == 0 {
			continue
		}
		num := func(i int) int {
			if i >= len(fields) {
				return 0
			}
			n, _ := strconv.Atoi(fields[i])
			return n
		}
		switch key {
		case "Name":
			st.name = strings.TrimSpace(value)
		case "State":
			st.state = fields[0]
		case "Uid":
			st.uid, st.euid = num(0), num(1)
		case "Tgid":
			st.tgid = num(0)
		case "TracerPid":
			st.tracerPid = num(0)
		case "PPid":
			st.ppid = num(0)
		case "Seccomp":
			st.seccomp = num(0)
		case "CapEff":
			st.capEff, _ = strconv.ParseUint(fields[0], 16, 64)
		}
	}
	return st
}

// capSysPtrace is the bit of CAP_SYS_PTRACE in the capability sets.
const capSysPtrace = 19

// checkActable refuses a process that an injected call could break or that
// mapscope may not trace: a seccomp filter (engine.md fact 9) or another
// tracer. 32-bit code is checked on the registers (compatError).
func checkActable(pid int, st procStatus) error {
	if st.seccomp != 0 {
		mode := "a seccomp filter"
		if st.seccomp == 1 {
			mode = "strict seccomp"
		}
		return &RefusedError{Pid: pid, Reason: fmt.Sprintf(
			"it runs under %s (Seccomp: %d), which could refuse an injected call or kill the process for it", mode, st.seccomp)}
	}
	if st.tracerPid != 0 {
		// TracerPid is the tracing thread; name its process.
		tracer := st.tracerPid
		if ts, err := readProcStatus(tracer); err == nil && ts.tgid != 0 {
			tracer = ts.tgid
		}
		return &RefusedError{Pid: pid, Err: unix.EPERM, Reason: fmt.Sprintf(
			"it is already traced by process %d%s, and a process can have only one tracer: end or detach that one (a debugger, strace) and start mapscope again", tracer, commName(tracer))}
	}
	return nil
}

// compatError refuses a task running 32-bit code: it uses another system
// call table (engine.md fact 12).
func compatError(pid int) error {
	return &RefusedError{Pid: pid, Reason: "it runs 32-bit code, whose system calls mapscope does not speak"}
}

// commName returns " (name)" for a process, or "" when it cannot be read.
func commName(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return ""
	}
	return " (" + strings.TrimSpace(string(data)) + ")"
}

// yamaScopeFile holds the Yama LSM's ptrace restriction, when Yama is built in.
const yamaScopeFile = "/proc/sys/kernel/yama/ptrace_scope"

// readYamaScope returns the Yama ptrace_scope, or -1 when Yama is absent.
func readYamaScope() int {
	data, err := os.ReadFile(yamaScopeFile)
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return -1
	}
	return n
}

// deniedError explains an EPERM from PTRACE_SEIZE or process_vm_*
// (engine.md facts 29–30) and says what to do about it.
func deniedError(pid int, target, self procStatus, yama int, err error) error {
	return &RefusedError{Pid: pid, Err: err, Reason: deniedReason(target, self, yama)}
}

// deniedReason names the rule that denied ptrace. self is mapscope's own
// status (uids and capabilities), yama the Yama ptrace_scope or -1.
func deniedReason(target, self procStatus, yama int) string {
	hasCap := self.capEff&(1<<capSysPtrace) != 0
	if target.uid != self.euid && !hasCap {
		return fmt.Sprintf("it belongs to %s and ptrace is limited to your own processes; run mapscope as that user, or with sudo (CAP_SYS_PTRACE)",
			userName(target.uid))
	}
	switch yama {
	case 1:
		return "Yama ptrace_scope is 1 (a process may only be traced by its ancestors); start the program under mapscope (mapscope -- CMD), run with sudo (CAP_SYS_PTRACE), or set kernel.yama.ptrace_scope=0"
	case 2:
		return "Yama ptrace_scope is 2 (only CAP_SYS_PTRACE may trace); run mapscope with sudo"
	case 3:
		return "Yama ptrace_scope is 3 (ptrace is disabled until reboot); no user can attach"
	}
	return "ptrace was denied: the process may be non-dumpable (a setuid or setgid program, or PR_SET_DUMPABLE 0), or mapscope lacks CAP_SYS_PTRACE in its user namespace; try sudo"
}

// userName returns "user NAME (uid N)", or "uid N" when the name is unknown.
func userName(uid int) string {
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return "uid " + strconv.Itoa(uid)
	}
	return fmt.Sprintf("user %s (uid %d)", u.Username, uid)
}

// CheckAttach predicts, without touching the process, whether Attach would
// be refused: a seccomp filter, another tracer, another user's process
// without CAP_SYS_PTRACE, or a Yama ptrace_scope that forbids it. A nil
// error is not a promise (Attach has the last word) but lets a viewer
// offer actions only where they can work and say why elsewhere.
func CheckAttach(pid int) error {
	st, err := readProcStatus(pid)
	if err != nil {
		return err
	}
	if err := checkActable(pid, st); err != nil {
		return err
	}
	self, err := readProcStatus(os.Getpid())
	if err != nil {
		return err
	}
	hasCap := self.capEff&(1<<capSysPtrace) != 0
	yama := readYamaScope()
	denied := !hasCap && (st.uid != self.euid || yama == 1 && !isAncestor(os.Getpid(), pid) || yama == 2) || yama == 3
	if denied {
		return deniedError(pid, st, self, yama, unix.EPERM)
	}
	return nil
}

// isAncestor reports whether process a is an ancestor of process pid, as
// Yama's ptrace_scope 1 requires of a tracer.
func isAncestor(a, pid int) bool {
	for i := 0; i < 4096 && pid > 1; i++ {
		st, err := readProcStatus(pid)
		if err != nil {
			return false
		}
		if st.ppid == a {
			return true
		}
		pid = st.ppid
	}
	return false
}
