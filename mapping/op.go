package mapping

import (
	"fmt"
)

// Op is one system call described before it is made: an action form builds
// one, shows its Text while it is edited, and runs it. Text is, by
// construction, the Call.Text that Run records, so what a user previews is
// what the call log prints.
type Op interface {
	// Text is the call as C source, without the result.
	Text() string
	// Run makes the call in t.
	Run(t Target) (Call, error)
}

// MmapOp is mmap(Addr, Length, Prot, Flags, FD, Offset).
type MmapOp struct {
	Addr, Length uint64
	Prot, Flags  int
	FD           int
	Offset       int64
}

// Text is the C call.
func (op MmapOp) Text() string {
	return fmt.Sprintf("mmap(%s, %d, %s, %s, %d, %d)",
		cAddr(op.Addr), op.Length, ProtString(op.Prot), MapFlagsString(op.Flags), op.FD, op.Offset)
}

// Run maps the memory in t.
func (op MmapOp) Run(t Target) (Call, error) {
	return t.Mmap(op.Addr, op.Length, op.Prot, op.Flags, op.FD, op.Offset)
}

// MunmapOp is munmap(Addr, Length).
type MunmapOp struct{ Addr, Length uint64 }

// Text is the C call.
func (op MunmapOp) Text() string { return fmt.Sprintf("munmap(%s, %d)", cAddr(op.Addr), op.Length) }

// Run unmaps the range in t.
func (op MunmapOp) Run(t Target) (Call, error) { return t.Munmap(op.Addr, op.Length) }

// MprotectOp is mprotect(Addr, Length, Prot).
type MprotectOp struct {
	Addr, Length uint64
	Prot         int
}

// Text is the C call.
func (op MprotectOp) Text() string {
	return fmt.Sprintf("mprotect(%s, %d, %s)", cAddr(op.Addr), op.Length, ProtString(op.Prot))
}

// Run changes the protection in t.
func (op MprotectOp) Run(t Target) (Call, error) { return t.Mprotect(op.Addr, op.Length, op.Prot) }

// MsyncOp is msync(Addr, Length, Flags).
type MsyncOp struct {
	Addr, Length uint64
	Flags        int
}

// Text is the C call.
func (op MsyncOp) Text() string {
	return fmt.Sprintf("msync(%s, %d, %s)", cAddr(op.Addr), op.Length, MsyncFlagsString(op.Flags))
}

// Run flushes the range in t.
func (op MsyncOp) Run(t Target) (Call, error) { return t.Msync(op.Addr, op.Length, op.Flags) }

// MadviseOp is madvise(Addr, Length, Advice).
type MadviseOp struct {
	Addr, Length uint64
	Advice       int
}

// Text is the C call.
func (op MadviseOp) Text() string {
	return fmt.Sprintf("madvise(%s, %d, %s)", cAddr(op.Addr), op.Length, AdviceString(op.Advice))
}

// Run gives the advice in t.
func (op MadviseOp) Run(t Target) (Call, error) { return t.Madvise(op.Addr, op.Length, op.Advice) }

// OpenOp is open(Path, Flags, Mode); Mode is written only with O_CREAT or
// O_TMPFILE, as C code passes it.
type OpenOp struct {
	Path  string
	Flags int
	Mode  uint32
}

// Text is the C call.
func (op OpenOp) Text() string { return "open(" + openArgs(op.Path, op.Flags, op.Mode) + ")" }

// Run opens the file in t.
func (op OpenOp) Run(t Target) (Call, error) { return t.Open(op.Path, op.Flags, op.Mode) }

// ShmOpenOp is shm_open(Name, Flags, Mode).
type ShmOpenOp struct {
	Name  string
	Flags int
	Mode  uint32
}

// Text is the C call.
func (op ShmOpenOp) Text() string {
	return fmt.Sprintf("shm_open(%s, %s, %s)", CString(op.Name), shmFlagsString(op.Flags), modeString(op.Mode))
}

// Run opens the shared memory object in t.
func (op ShmOpenOp) Run(t Target) (Call, error) { return t.ShmOpen(op.Name, op.Flags, op.Mode) }

// FtruncateOp is ftruncate(FD, Length).
type FtruncateOp struct {
	FD     int
	Length int64
}

// Text is the C call.
func (op FtruncateOp) Text() string { return fmt.Sprintf("ftruncate(%d, %d)", op.FD, op.Length) }

// Run sets the file's size in t.
func (op FtruncateOp) Run(t Target) (Call, error) { return t.Ftruncate(op.FD, op.Length) }

// CloseOp is close(FD).
type CloseOp struct{ FD int }

// Text is the C call.
func (op CloseOp) Text() string { return fmt.Sprintf("close(%d)", op.FD) }

// Run closes the descriptor in t.
func (op CloseOp) Run(t Target) (Call, error) { return t.CloseFD(op.FD) }

// UnlinkOp is unlink(Path).
type UnlinkOp struct{ Path string }

// Text is the C call.
func (op UnlinkOp) Text() string { return "unlink(" + CString(op.Path) + ")" }

// Run removes the name in t.
func (op UnlinkOp) Run(t Target) (Call, error) { return t.Unlink(op.Path) }

// ShmUnlinkOp is shm_unlink(Name).
type ShmUnlinkOp struct{ Name string }

// Text is the C call.
func (op ShmUnlinkOp) Text() string { return "shm_unlink(" + CString(op.Name) + ")" }

// Run removes the shared memory object's name in t.
func (op ShmUnlinkOp) Run(t Target) (Call, error) { return t.ShmUnlink(op.Name) }

// openatText is openat's C call.
func openatText(dirfd int, path string, flags int, mode uint32) string {
	return "openat(" + dirfdString(dirfd) + ", " + openArgs(path, flags, mode) + ")"
}
