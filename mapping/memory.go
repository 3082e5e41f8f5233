package mapping

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Fault is the signal the process itself would have received for a memory
// access that failed. process_vm_readv/writev obey the mapping's protection
// the way the process's own loads and stores do (engine.md fact 19), so
// their EFAULT is reported as the crash it stands for.
type Fault struct {
	Addr   uint64      // first byte that could not be accessed
	Write  bool        // the access was a write
	Signal unix.Signal // SIGSEGV, or SIGBUS past the end of a mapped file
	Code   int         // si_code: SEGV_MAPERR, SEGV_ACCERR or BUS_ADRERR
	Perms  string      // the mapping's permissions ("r--p"), "" when unmapped
	Path   string      // the mapping's path, if any
}

// si_code values of the faults (include/uapi/asm-generic/siginfo.h).
const (
	SegvMapErr = 1 // SEGV_MAPERR: no mapping at the address
	SegvAccErr = 2 // SEGV_ACCERR: mapped, without the permission
	BusAdrErr  = 2 // BUS_ADRERR: a mapped file page past its end
)

// CodeName is the C name of Code: "SEGV_ACCERR".
func (f *Fault) CodeName() string {
	switch {
	case f.Signal == unix.SIGBUS && f.Code == BusAdrErr:
		return "BUS_ADRERR"
	case f.Code == SegvMapErr:
		return "SEGV_MAPERR"
	case f.Code == SegvAccErr:
		return "SEGV_ACCERR"
	}
	return fmt.Sprint(f.Code)
}

// Error describes the fault as the crash it stands for:
// "SIGSEGV (SEGV_ACCERR) writing 0x7f3a1c000000: the mapping is r--p, not writable".
func (f *Fault) Error() string {
	verb := "reading"
	if f.Write {
		verb = "writing"
	}
	var why string
	switch {
	case f.Signal == unix.SIGBUS:
		why = "the page lies past the end of the mapped file"
	case f.Code == SegvMapErr:
		why = "nothing is mapped there"
	case f.Write:
		why = fmt.Sprintf("the mapping is %s, not writable", f.Perms)
	default:
		why = fmt.Sprintf("the mapping is %s, not readable", f.Perms)
	}
	return fmt.Sprintf("%s (%s) %s 0x%x: %s", unix.SignalName(f.Signal), f.CodeName(), verb, f.Addr, why)
}

// readMemory reads n bytes at addr as the process would. It returns what
// could be read; a fault comes back as a *Fault.
func readMemory(pid int, addr uint64, n int) ([]byte, error) {
	buf := make([]byte, n)
	done, err := transfer(pid, addr, buf, false)
	if err != nil {
		return buf[:done], err
	}
	return buf, nil
}

// writeMemory writes data at addr as the process would: a store the process
// could not make fails with the *Fault it would have raised. Like a memcpy,
// it writes up to the first byte that faults and returns the count.
func writeMemory(pid int, addr uint64, data []byte) (int, error) {
	return transfer(pid, addr, data, true)
}

// transfer moves bytes with process_vm_readv/writev. The kernel splits a
// transfer at page boundaries and returns a short count at the first page it
// cannot access (engine.md fact 20), so the loop goes on until it gets an
// error, which locates the fault.
func transfer(pid int, addr uint64, buf []byte, write bool) (int, error) {
	done := 0
	for done < len(buf) {
		var n int
		var err error
		if write {
			n, err = writeAt1(pid, addr+uint64(done), buf[done:])
		} else {
			n, err = readAt1(pid, addr+uint64(done), buf[done:])
		}
		if errors.Is(err, unix.EFAULT) || err == nil && n == 0 {
			return done, classifyFault(pid, addr+uint64(done), write)
		}
		if err != nil {
			return done, err
		}
		done += n
	}
	return done, nil
}

func readAt1(pid int, addr uint64, buf []byte) (int, error) {
	local := []unix.Iovec{{Base: &buf[0]}}
	local[0].SetLen(len(buf))
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(buf)}}
	n, err := unix.ProcessVMReadv(pid, local, remote, 0)
	if err != nil {
		return 0, os.NewSyscallError("process_vm_readv", err)
	}
	return n, nil
}

func writeAt1(pid int, addr uint64, buf []byte) (int, error) {
	local := []unix.Iovec{{Base: &buf[0]}}
	local[0].SetLen(len(buf))
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(buf)}}
	n, err := unix.ProcessVMWritev(pid, local, remote, 0)
	if err != nil {
		return 0, os.NewSyscallError("process_vm_writev", err)
	}
	return n, nil
}

// classifyFault decides from the maps which signal an access at addr would
// raise.
func classifyFault(pid int, addr uint64, write bool) error {
	regions, err := readRegions(pid)
	if err != nil {
		return fmt.Errorf("access at 0x%x failed and the maps are unreadable: %w", addr, err)
	}
	f := &Fault{Addr: addr, Write: write, Signal: unix.SIGSEGV, Code: SegvMapErr}
	r, ok := regionAt(regions, addr)
	if !ok {
		return f
	}
	f.Perms, f.Path = r.perms, r.path
	allowed := r.readable()
	if write {
		allowed = r.writable()
	}
	switch {
	case !allowed:
		f.Code = SegvAccErr
	case r.inode != 0:
		f.Signal, f.Code = unix.SIGBUS, BusAdrErr
	default:
		return fmt.Errorf("access at 0x%x in %s %s failed: %w", addr, r.perms, r.path, unix.EFAULT)
	}
	return f
}

// readAt reads exactly n bytes for the engine's own use (instructions,
// stack); unlike readMemory it reports any shortfall as an error.
func readAt(pid int, addr uint64, n int) ([]byte, error) {
	buf := make([]byte, n)
	got, err := transfer(pid, addr, buf, false)
	if err != nil {
		return nil, err
	}
	return buf[:got], nil
}

// writeAt writes data for the engine's own use (scratch arguments).
func writeAt(pid int, addr uint64, data []byte) (int, error) {
	return transfer(pid, addr, data, true)
}
