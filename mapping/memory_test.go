package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// procMemRead reads through /proc/<pid>/mem, which forces access: the
// tests' independent view of what is really in memory.
func procMemRead(t *testing.T, pid int, addr uint64, n int) []byte {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, int64(addr)); err != nil {
		t.Fatal(err)
	}
	return buf
}

func wantFault(t *testing.T, err error, addr uint64, sig unix.Signal, code string) {
	t.Helper()
	var f *Fault
	if !errors.As(err, &f) {
		t.Fatalf("error %v, want a %s fault", err, code)
	}
	if f.Addr != addr || f.Signal != sig || f.CodeName() != code {
		t.Errorf("fault %v at 0x%x, want %s %s at 0x%x", f, f.Addr, unix.SignalName(sig), code, addr)
	}
}

// TestMemoryFaults: writes and reads the process could not make fail with
// the SIGSEGV it would get, and change nothing.
func TestMemoryFaults(t *testing.T) {
	tr := spawnSleeper(t)
	pid := tr.Pid()
	addr := ok(t)(tr.Mmap(0, 3*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0)).Addr()
	pattern := bytes.Repeat([]byte{0xab}, page)
	if _, err := tr.WriteMemory(addr, pattern); err != nil {
		t.Fatal(err)
	}

	// Read-only: SEGV_ACCERR, nothing written.
	ok(t)(tr.Mprotect(addr, page, unix.PROT_READ))
	n, err := tr.WriteMemory(addr+8, []byte{0, 0, 0, 0})
	wantFault(t, err, addr+8, unix.SIGSEGV, "SEGV_ACCERR")
	if n != 0 {
		t.Errorf("%d bytes written into a read-only page", n)
	}
	if got, err := tr.ReadMemory(addr, page); err != nil || !bytes.Equal(got, pattern) {
		t.Errorf("read-only page changed (ReadMemory, err %v)", err)
	}
	if !bytes.Equal(procMemRead(t, pid, addr, page), pattern) {
		t.Error("read-only page changed (/proc/pid/mem)")
	}

	// PROT_NONE: reading and writing both fault.
	ok(t)(tr.Mprotect(addr+2*page, page, unix.PROT_NONE))
	_, err = tr.ReadMemory(addr+2*page, 16)
	wantFault(t, err, addr+2*page, unix.SIGSEGV, "SEGV_ACCERR")
	_, err = tr.WriteMemory(addr+2*page, []byte{1})
	wantFault(t, err, addr+2*page, unix.SIGSEGV, "SEGV_ACCERR")

	// A transfer that runs from a writable page into PROT_NONE stops at the
	// page boundary (engine.md fact 20).
	n, err = tr.WriteMemory(addr+2*page-4, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	wantFault(t, err, addr+2*page, unix.SIGSEGV, "SEGV_ACCERR")
	if n != 4 {
		t.Errorf("straddling write wrote %d bytes, want 4", n)
	}
	got, err := tr.ReadMemory(addr+2*page-4, 8)
	wantFault(t, err, addr+2*page, unix.SIGSEGV, "SEGV_ACCERR")
	if !bytes.Equal(got, []byte{1, 2, 3, 4}) {
		t.Errorf("straddling read = %v, want the 4 readable bytes", got)
	}

	// Unmapped: SEGV_MAPERR.
	ok(t)(tr.Munmap(addr, 3*page))
	_, err = tr.WriteMemory(addr, []byte{1})
	wantFault(t, err, addr, unix.SIGSEGV, "SEGV_MAPERR")
	_, err = tr.ReadMemory(addr, 1)
	wantFault(t, err, addr, unix.SIGSEGV, "SEGV_MAPERR")

	// Code is read-only to the process too.
	for _, m := range procMaps(t, pid) {
		if m.perms == "r-xp" {
			_, err = tr.WriteMemory(m.start, []byte{0x90})
			wantFault(t, err, m.start, unix.SIGSEGV, "SEGV_ACCERR")
			break
		}
	}
	checkCodeClean(t, pid)
}

// TestFaultPastEndOfFile: a page of a file mapping beyond the file's end
// raises SIGBUS in the process, and is reported so.
func TestFaultPastEndOfFile(t *testing.T) {
	tr := spawnSleeper(t)
	path := t.TempDir() + "/small"
	if err := os.WriteFile(path, []byte("tiny"), 0o644); err != nil {
		t.Fatal(err)
	}
	fd := int(ok(t)(tr.Open(path, unix.O_RDONLY, 0)).Value())
	addr := ok(t)(tr.Mmap(0, 2*page, unix.PROT_READ, unix.MAP_PRIVATE, fd, 0)).Addr()
	ok(t)(tr.CloseFD(fd))
	if got, err := tr.ReadMemory(addr, 4); err != nil || string(got) != "tiny" {
		t.Fatalf("first page: %q, %v", got, err)
	}
	_, err := tr.ReadMemory(addr+page, 1)
	wantFault(t, err, addr+page, unix.SIGBUS, "BUS_ADRERR")
}
