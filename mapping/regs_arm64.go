package mapping

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// regs is the arm64 register file of a stopped tracee: the general registers
// (NT_PRSTATUS) and the system call number the kernel keeps apart from them
// (NT_ARM_SYSTEM_CALL, the counterpart of x86's orig_rax).
type regs struct {
	r  unix.PtraceRegs
	no int32
}

// syscallInsn is `svc #0` (0xd4000001), little-endian (engine.md fact 13).
var syscallInsn = []byte{0x01, 0x00, 0x00, 0xd4}

// insnAlign is the alignment an instruction must have.
const insnAlign = 4

// redZone: AAPCS64 has no red zone; 128 bytes of margin cost nothing.
const redZone = 128

// getRegs reads the registers with PTRACE_GETREGSET (engine.md fact 13: the
// older request may be missing on arm64). A 32-bit task returns a smaller
// NT_PRSTATUS set; that is how compat tells it apart.
func getRegs(pid int) (regs, error) {
	var r regs
	iov := unix.Iovec{Base: (*byte)(unsafe.Pointer(&r.r))}
	iov.SetLen(int(unsafe.Sizeof(r.r)))
	if err := getRegset(pid, unix.NT_PRSTATUS, &iov); err != nil {
		return r, err
	}
	if iov.Len != uint64(unsafe.Sizeof(r.r)) {
		r.r.Pstate |= pstateMode32
		return r, nil
	}
	no := unix.Iovec{Base: (*byte)(unsafe.Pointer(&r.no))}
	no.SetLen(int(unsafe.Sizeof(r.no)))
	return r, getRegset(pid, unix.NT_ARM_SYSTEM_CALL, &no)
}

// setRegs writes the registers and the system call number back.
func setRegs(pid int, r *regs) error {
	iov := unix.Iovec{Base: (*byte)(unsafe.Pointer(&r.r))}
	iov.SetLen(int(unsafe.Sizeof(r.r)))
	if err := setRegset(pid, unix.NT_PRSTATUS, &iov); err != nil {
		return err
	}
	no := unix.Iovec{Base: (*byte)(unsafe.Pointer(&r.no))}
	no.SetLen(int(unsafe.Sizeof(r.no)))
	return setRegset(pid, unix.NT_ARM_SYSTEM_CALL, &no)
}

func getRegset(pid int, set uintptr, iov *unix.Iovec) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETREGSET, uintptr(pid), set, uintptr(unsafe.Pointer(iov)), 0, 0)
	if e != 0 {
		return os.NewSyscallError("ptrace(PTRACE_GETREGSET)", e)
	}
	return nil
}

func setRegset(pid int, set uintptr, iov *unix.Iovec) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SETREGSET, uintptr(pid), set, uintptr(unsafe.Pointer(iov)), 0, 0)
	if e != 0 {
		return os.NewSyscallError("ptrace(PTRACE_SETREGSET)", e)
	}
	return nil
}

// pstateMode32 is PSR_MODE32_BIT: the task executes AArch32 code.
const pstateMode32 = 0x10

func (r *regs) sp() uint64 { return r.r.Sp }

// compat reports whether the task runs 32-bit code.
func (r *regs) compat() bool { return r.r.Pstate&pstateMode32 != 0 }

// syscallNr is the number of the system call the task is in, or -1.
func (r *regs) syscallNr() int64 { return int64(r.no) }

// result is the result register after a system call.
func (r *regs) result() uint64 { return r.r.Regs[0] }

// blockedInsn never offers the svc at pc. When a blocked call is
// interrupted, the kernel has already moved pc back to its svc; after the
// stop, do_signal compares pc with that address and, for
// ERESTART_RESTARTBLOCK, rewrites x8 to restart_syscall — which would replace
// the injected call if it ran from the same svc. The vDSO's svc avoids that.
func (r *regs) blockedInsn() (uint64, bool) { return 0, false }

// prepare sets up a system call nr with args, to be run by the svc at insn.
func (r *regs) prepare(insn uint64, nr int, args [6]uint64) {
	r.r.Regs[8] = uint64(nr)
	copy(r.r.Regs[:6], args[:])
	r.r.Pc = insn
	r.no = -1
}

// restartFixup returns the registers to put back at a syscall stop. arm64
// rewinds pc to the svc and restores x0 before the tracer sees the stop
// (engine.md fact 13), so the saved registers re-run the interrupted call as
// they are. Known limit (no arm64 machine to test on): a call interrupted
// with ERESTART_RESTARTBLOCK (nanosleep) runs again from the start instead of
// continuing through restart_syscall, because the restart code is no longer
// visible in the registers.
func (r regs) restartFixup() regs {
	r.no = -1
	return r
}
