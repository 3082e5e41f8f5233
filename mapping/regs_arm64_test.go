package mapping

import (
	"testing"

	"golang.org/x/sys/unix"
)

// System calls the tests find their subjects blocked in. arm64 has no pause:
// glibc uses ppoll.
const (
	sysPause          = unix.SYS_PPOLL
	sysRead           = unix.SYS_READ
	sysClockNanosleep = unix.SYS_CLOCK_NANOSLEEP
)

// interrupted returns the system call the last operation found the process
// in; arm64 rewinds before the stop, so the restart code is not visible.
func interrupted(tr *Tracee) (nr int64, code int64) {
	var r regs
	_ = tr.th.do(func() error { r = tr.lastStop; return nil })
	return r.syscallNr(), 0
}

// checkUnlinkNumber: arm64 has no unlink call.
func checkUnlinkNumber(t *testing.T) {
	if sysno.unlink != -1 {
		t.Errorf("unlink = %d, but arm64 has none", sysno.unlink)
	}
}
