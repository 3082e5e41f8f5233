package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"mapscope/procmaps"
)

// pageStates reads the pagemap of n pages at addr in pid: the kernel's
// view, independent of Peek.
func pageStates(t *testing.T, pid int, addr uint64, n int) []procmaps.PageState {
	t.Helper()
	pages, err := procmaps.ReadPagemap("/proc", pid, addr, n)
	if err != nil {
		t.Fatal(err)
	}
	states := make([]procmaps.PageState, len(pages))
	for i, p := range pages {
		states[i] = p.State()
	}
	return states
}

// anonPages maps n private anonymous read-write pages in tg, without
// transparent huge pages, which would make a whole run present at once.
func anonPages(t *testing.T, tg Target, n int) uint64 {
	t.Helper()
	addr := ok(t)(tg.Mmap(0, uint64(n)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0)).Addr()
	ok(t)(tg.Madvise(addr, uint64(n)*page, unix.MADV_NOHUGEPAGE))
	return addr
}

const (
	notPresent = procmaps.PageNotPresent
	exclusive  = procmaps.PagePresentExclusive
	shared     = procmaps.PagePresentShared
)

// TestPeekLeavesPagesAlone: Peek reads the one written page of four and
// leaves the others not present; ReadMemory of an untouched page makes it
// present (engine.md fact 21), which is why Peek exists.
func TestPeekLeavesPagesAlone(t *testing.T) {
	tr := spawnSleeper(t)
	pid := tr.Pid()
	addr := anonPages(t, tr, 4)
	if _, err := tr.WriteMemory(addr+page+7, []byte{0x5a}); err != nil {
		t.Fatal(err)
	}

	pk, err := tr.Peek(addr, 4*page)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, true, false, false}; !slices.Equal(pk.Present, want) {
		t.Errorf("Present = %v, want %v", pk.Present, want)
	}
	want := make([]byte, 4*page)
	want[page+7] = 0x5a
	if pk.Addr != addr || !bytes.Equal(pk.Data, want) {
		t.Errorf("Peek data at 0x%x: %d bytes, want 4 pages zero but for 0x5a at page 1 + 7", pk.Addr, len(pk.Data))
	}
	if len(pk.Pages) != 4 || pk.Pages[1].State() != exclusive {
		t.Errorf("Pages = %v", pk.Pages)
	}
	if got, want := pageStates(t, pid, addr, 4), []procmaps.PageState{notPresent, exclusive, notPresent, notPresent}; !slices.Equal(got, want) {
		t.Fatalf("pagemap after Peek: %v, want %v: looking made pages present", got, want)
	}

	// ReadMemory reads as the process would: page 3 now maps the zero page.
	if got, err := tr.ReadMemory(addr+3*page, 16); err != nil || !bytes.Equal(got, make([]byte, 16)) {
		t.Fatalf("ReadMemory of an untouched page: %v, %v", got, err)
	}
	if got, want := pageStates(t, pid, addr, 4), []procmaps.PageState{notPresent, exclusive, notPresent, shared}; !slices.Equal(got, want) {
		t.Errorf("pagemap after ReadMemory of page 3: %v, want %v", got, want)
	}
	if pk, err := tr.Peek(addr, 4*page); err != nil || !slices.Equal(pk.Present, []bool{false, true, false, true}) {
		t.Errorf("Peek after ReadMemory: Present %v, %v", pk.Present, err)
	}
}

// TestPeekFaults: Peek faults where the process would, whether the page is
// present (the read faults) or not (the maps tell), and cuts Data there.
func TestPeekFaults(t *testing.T) {
	tr := spawnSleeper(t)
	pid := tr.Pid()
	addr := anonPages(t, tr, 4)
	if _, err := tr.WriteMemory(addr, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.WriteMemory(addr+2*page, []byte{1}); err != nil {
		t.Fatal(err)
	}
	ok(t)(tr.Mprotect(addr+2*page, 2*page, unix.PROT_NONE))
	if got, want := pageStates(t, pid, addr, 4), []procmaps.PageState{exclusive, notPresent, exclusive, notPresent}; !slices.Equal(got, want) {
		t.Fatalf("pagemap: %v, want %v", got, want)
	}

	// Page 2 is present and PROT_NONE: the read faults.
	pk, err := tr.Peek(addr, 3*page)
	wantFault(t, err, addr+2*page, unix.SIGSEGV, "SEGV_ACCERR")
	if len(pk.Data) != 2*page || string(pk.Data[:4]) != "abc\x00" || !slices.Equal(pk.Present, []bool{true, false, false}) {
		t.Errorf("Peek up to a PROT_NONE page: %d bytes %q…, Present %v", len(pk.Data), pk.Data[:min(4, len(pk.Data))], pk.Present)
	}
	var f *Fault
	if errors.As(err, &f) && f.Perms != "---p" {
		t.Errorf("fault perms %q, want ---p", f.Perms)
	}

	// Page 3 is not present and PROT_NONE: the maps say the read would
	// fault; it stays not present.
	pk, err = tr.Peek(addr+3*page+8, 8)
	wantFault(t, err, addr+3*page+8, unix.SIGSEGV, "SEGV_ACCERR")
	if len(pk.Data) != 0 || pk.Present[0] {
		t.Errorf("Peek of a not-present PROT_NONE page: %d bytes, Present %v", len(pk.Data), pk.Present)
	}

	// Nothing mapped: SEGV_MAPERR.
	ok(t)(tr.Munmap(addr+3*page, page))
	_, err = tr.Peek(addr+3*page, 1)
	wantFault(t, err, addr+3*page, unix.SIGSEGV, "SEGV_MAPERR")

	if got, want := pageStates(t, pid, addr, 3), []procmaps.PageState{exclusive, notPresent, exclusive}; !slices.Equal(got, want) {
		t.Errorf("pagemap after the faults: %v, want %v", got, want)
	}
}

// TestPeekSharedNotPresent: a page of shared memory can be not present in
// the process and still hold data (here after MADV_DONTNEED, which drops
// the process's page table entry but not the shared page). Peek shows it
// as not present, zero; only reading it, which maps it again, shows the
// data.
func TestPeekSharedNotPresent(t *testing.T) {
	tr := spawnSleeper(t)
	addr := ok(t)(tr.Mmap(0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS, -1, 0)).Addr()
	if _, err := tr.WriteMemory(addr, []byte{0x77}); err != nil {
		t.Fatal(err)
	}
	ok(t)(tr.Madvise(addr, page, unix.MADV_DONTNEED))
	pk, err := tr.Peek(addr, 1)
	if err != nil || pk.Present[0] || pk.Data[0] != 0 {
		t.Fatalf("Peek: %v present %v, %v; want 0, not present", pk.Data, pk.Present, err)
	}
	if got, err := tr.ReadMemory(addr, 1); err != nil || got[0] != 0x77 {
		t.Errorf("ReadMemory: %v, %v; want the 0x77 written before MADV_DONTNEED", got, err)
	}
	if got := pageStates(t, tr.Pid(), addr, 1); got[0] == notPresent {
		t.Error("ReadMemory did not map the shared page")
	}
}

// TestPeekGuard: a guard region (MADV_GUARD_INSTALL) has no data; Peek
// reads it like ReadMemory does, and fails there.
func TestPeekGuard(t *testing.T) {
	tr := spawnSleeper(t)
	addr := anonPages(t, tr, 2)
	c := must(t)(tr.Madvise(addr+page, page, unix.MADV_GUARD_INSTALL))
	if c.Errno == unix.EINVAL {
		t.Skip("MADV_GUARD_INSTALL is refused (EINVAL): this kernel has no guard regions (Linux 6.13+)")
	}
	if c.Failed() {
		t.Fatalf("%s failed: %s", c.Text, c)
	}
	pk, err := tr.Peek(addr, 2*page)
	_, rerr := tr.ReadMemory(addr, 2*page)
	t.Logf("Peek: %v; ReadMemory: %v", err, rerr)
	if err == nil || len(pk.Data) != page || fmt.Sprint(err) != fmt.Sprint(rerr) {
		t.Errorf("Peek across a guard page: %d bytes, %v; want one page and ReadMemory's error %v", len(pk.Data), err, rerr)
	}
}

// TestPeekSelf peeks at memory the test process mapped through Self, over
// an unaligned range that straddles two pages.
func TestPeekSelf(t *testing.T) {
	s := NewSelf()
	addr := anonPages(t, s, 3)
	t.Cleanup(func() { s.Munmap(addr, 3*page) })
	if _, err := s.WriteMemory(addr+2*page, []byte("self")); err != nil {
		t.Fatal(err)
	}
	pk, err := s.Peek(addr+2*page-2, 8)
	if err != nil {
		t.Fatal(err)
	}
	if string(pk.Data) != "\x00\x00self\x00\x00" || !slices.Equal(pk.Present, []bool{false, true}) {
		t.Errorf("Peek = %q, Present %v", pk.Data, pk.Present)
	}
	if got, want := pageStates(t, s.Pid(), addr, 3), []procmaps.PageState{notPresent, notPresent, exclusive}; !slices.Equal(got, want) {
		t.Errorf("pagemap after Peek: %v, want %v", got, want)
	}
}
