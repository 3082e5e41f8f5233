package mapping

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// regs is the x86_64 register file of a stopped tracee.
type regs struct{ r unix.PtraceRegs }

// syscallInsn is the x86_64 `syscall` instruction (engine.md fact 4).
var syscallInsn = []byte{0x0f, 0x05}

// insnAlign is the alignment an instruction must have.
const insnAlign = 1

// redZone is the part below the stack pointer that leaf functions may use
// without moving it (System V x86_64 ABI): scratch data goes below it.
const redZone = 128

// compat32CS is the code segment of a task running 32-bit code.
const compat32CS = 0x23

// getRegs reads the registers with PTRACE_GETREGS, which always gives the
// 64-bit view: PTRACE_GETREGSET would give a 32-bit task its own smaller
// layout and hide the cs that tells it apart.
func getRegs(pid int) (regs, error) {
	var r regs
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETREGS, uintptr(pid), 0, uintptr(unsafe.Pointer(&r.r)), 0, 0)
	if e != 0 {
		return r, os.NewSyscallError("ptrace(PTRACE_GETREGS)", e)
	}
	return r, nil
}

// setRegs writes the registers back with PTRACE_SETREGS.
func setRegs(pid int, r *regs) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SETREGS, uintptr(pid), 0, uintptr(unsafe.Pointer(&r.r)), 0, 0)
	if e != 0 {
		return os.NewSyscallError("ptrace(PTRACE_SETREGS)", e)
	}
	return nil
}

func (r *regs) sp() uint64 { return r.r.Rsp }

// compat reports whether the task runs 32-bit code (engine.md fact 12).
func (r *regs) compat() bool { return r.r.Cs == compat32CS }

// syscallNr is the number of the system call the task is in, or -1.
func (r *regs) syscallNr() int64 { return int64(r.r.Orig_rax) }

// result is the result register after a system call.
func (r *regs) result() uint64 { return r.r.Rax }

// blockedInsn returns the address of the syscall instruction the task is
// blocked in: rip points just past it.
func (r *regs) blockedInsn() (uint64, bool) {
	if r.syscallNr() < 0 {
		return 0, false
	}
	return r.r.Rip - uint64(len(syscallInsn)), true
}

// prepare sets up a system call nr with args, to be run by the syscall
// instruction at insn. orig_rax = -1 keeps the kernel from applying its
// restart logic to the changed registers.
func (r *regs) prepare(insn uint64, nr int, args [6]uint64) {
	r.r.Rax = uint64(nr)
	r.r.Rdi, r.r.Rsi, r.r.Rdx = args[0], args[1], args[2]
	r.r.R10, r.r.R8, r.r.R9 = args[3], args[4], args[5]
	r.r.Rip = insn
	r.r.Orig_rax = ^uint64(0)
}

// Kernel-internal restart codes a blocking system call leaves in rax when a
// signal or a ptrace stop interrupts it (include/linux/errno.h).
const (
	errRestartSys    = 512
	errRestartNoIntr = 513
	errRestartNoHand = 514
	errRestartBlock  = 516
)

// restartFixup returns the registers to put back at a syscall stop, where the
// kernel will not run its restart logic again (engine.md fact 6): an
// interrupted call is set up to run again (or, for ERESTART_RESTARTBLOCK, to
// continue through restart_syscall), and orig_rax is cleared.
func (r regs) restartFixup() regs {
	if r.syscallNr() >= 0 {
		switch -int64(r.r.Rax) {
		case errRestartSys, errRestartNoIntr, errRestartNoHand:
			r.r.Rax = r.r.Orig_rax
			r.r.Rip -= uint64(len(syscallInsn))
		case errRestartBlock:
			r.r.Rax = uint64(sysno.restartSyscall)
			r.r.Rip -= uint64(len(syscallInsn))
		}
	}
	r.r.Orig_rax = ^uint64(0)
	return r
}
