package procmaps

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Page is one raw entry of /proc/<pid>/pagemap: 64 bits describing one
// virtual page of the process (engine.md fact 22,
// Documentation/admin-guide/mm/pagemap.rst).
type Page uint64

// Bits of a pagemap entry (fs/proc/task_mmu.c, PM_*).
const (
	pagePresent   Page = 1 << 63
	pageSwapped   Page = 1 << 62
	pageFile      Page = 1 << 61
	pageGuard     Page = 1 << 58
	pageUffdWP    Page = 1 << 57
	pageExclusive Page = 1 << 56
	pageSoftDirty Page = 1 << 55
	pageFrameMask Page = 1<<55 - 1
)

// Present reports whether the page is in memory (bit 63).
func (p Page) Present() bool { return p&pagePresent != 0 }

// Swapped reports bit 62: the page table holds a swap entry instead of a
// frame. Besides pages in swap, the kernel sets it for pages being
// migrated and for the markers of guard regions and userfaultfd
// write-protection on pages that were never touched.
func (p Page) Swapped() bool { return p&pageSwapped != 0 }

// FileOrSharedAnon reports bit 61: the page belongs to a file or is
// shared anonymous memory (which is a file on shmem), not private
// anonymous memory. The kernel sets it only for pages in memory.
func (p Page) FileOrSharedAnon() bool { return p&pageFile != 0 }

// Exclusive reports bit 56 (Linux 4.2+): the page is present and mapped by
// this process only, once — not shared with a fork, another process, or the
// shared zero page.
func (p Page) Exclusive() bool { return p&pageExclusive != 0 }

// SoftDirty reports bit 55: the page was written since soft-dirty bits
// were last cleared (echo 4 > /proc/<pid>/clear_refs). Always false on a
// kernel built without CONFIG_MEM_SOFT_DIRTY, which still accepts "4".
func (p Page) SoftDirty() bool { return p&pageSoftDirty != 0 }

// UffdWP reports bit 57: the page is write-protected by userfaultfd.
func (p Page) UffdWP() bool { return p&pageUffdWP != 0 }

// Guard reports bit 58 (Linux 6.15+): the page lies in a guard region
// installed with MADV_GUARD_INSTALL; touching it raises SIGSEGV. The kernel
// sets Swapped as well, because a guard marker is stored as a swap entry.
func (p Page) Guard() bool { return p&pageGuard != 0 }

// PFN is the page frame number (bits 0–54) of a present page, and 0 for a
// page that is not present. The kernel hides frames from readers without
// CAP_SYS_ADMIN: for them it is 0 as well.
func (p Page) PFN() uint64 {
	if !p.Present() {
		return 0
	}
	return uint64(p & pageFrameMask)
}

// PageState is what a page is, from its pagemap entry, in the terms a
// reader of memory cares about.
type PageState uint8

// The states of a page. The zero value is PageNotPresent.
const (
	// PageNotPresent: nothing in memory or swap. An anonymous page reads
	// as zero (and reading it makes it present, engine.md fact 21); a file
	// page would be read from the file.
	PageNotPresent PageState = iota
	// PageSwapped: the page is in swap (or being migrated).
	PageSwapped
	// PageGuard: the page is in a guard region; touching it faults.
	PageGuard
	// PagePresentExclusive: in memory and mapped by this process alone.
	PagePresentExclusive
	// PagePresentShared: in memory and mapped more than once — by a
	// forked process (copy-on-write), another process, another mapping,
	// or, for an untouched anonymous page that was read, the shared zero
	// page.
	PagePresentShared
)

// State classifies the page.
func (p Page) State() PageState {
	switch {
	case p.Present() && p.Exclusive():
		return PagePresentExclusive
	case p.Present():
		return PagePresentShared
	case p.Guard():
		return PageGuard
	case p.Swapped():
		return PageSwapped
	}
	return PageNotPresent
}

// String names the state as the UI shows it: "not present".
func (s PageState) String() string {
	switch s {
	case PageNotPresent:
		return "not present"
	case PageSwapped:
		return "swapped"
	case PageGuard:
		return "guard"
	case PagePresentExclusive:
		return "present, exclusive"
	case PagePresentShared:
		return "present, shared"
	}
	return "PageState(" + strconv.Itoa(int(s)) + ")"
}

// PageSize is the size of a page, the unit of every mapping, pagemap entry
// and protection change.
var PageSize = uint64(os.Getpagesize())

var pageSize = PageSize // short, inside the package

// pageEntrySize is the size of one pagemap entry in bytes.
const pageEntrySize = int(unsafe.Sizeof(Page(0)))

// ReadPagemap reads the pagemap entries of pages consecutive pages of
// process pid, from the page that contains start, under the proc file
// system mounted at root (normally "/proc"). It reads exactly that range,
// with one pread, not the whole address space: the kernel walks the page
// tables of the range only. Pages outside any mapping are not present.
//
// A process that does not exist gives ErrNoProcess, one without an address
// space (a zombie or kernel thread) ErrNoMappings; a process the caller
// may not inspect gives an error for which errors.Is(err,
// fs.ErrPermission) holds.
func ReadPagemap(root string, pid int, start uint64, pages int) ([]Page, error) {
	if pages <= 0 {
		return nil, nil
	}
	entries := make([]Page, pages)
	n, err := ReadPagemapInto(root, pid, start, entries)
	return entries[:n], err
}

// ReadPagemapInto is ReadPagemap reading len(dst) entries into dst, so
// that a caller reading the same range again and again reuses its memory:
// for 1 GiB (2 MiB of entries) that halves the time (BenchmarkReadPagemap1GiB).
// It returns the number of entries read, which is less than len(dst) only
// with an error.
func ReadPagemapInto(root string, pid int, start uint64, dst []Page) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	f, err := os.Open(filepath.Join(root, strconv.Itoa(pid), "pagemap"))
	if err != nil {
		return 0, pagemapError(root, pid, err)
	}
	defer f.Close()
	// The kernel writes the entries as an array of native-endian u64, the
	// memory layout of dst: read straight into it.
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), len(dst)*pageEntrySize)
	offset := int64(start/pageSize) * int64(pageEntrySize)
	got, err := f.ReadAt(buf, offset)
	n := got / pageEntrySize
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF):
		return n, shortPagemap(f, root, pid, start+uint64(n)*pageSize)
	}
	return n, pagemapError(root, pid, err)
}

// shortPagemap explains why the pagemap of pid ended before addr: the
// kernel gives no entries past the end of the user address space, and none
// at all once the process has no address space.
func shortPagemap(f *os.File, root string, pid int, addr uint64) error {
	var first [pageEntrySize]byte
	if n, _ := f.ReadAt(first[:], 0); n == len(first) {
		return fmt.Errorf("pid %d: no pagemap entry for 0x%x: it lies beyond the user address space", pid, addr)
	}
	return pagemapError(root, pid, syscall.ESRCH)
}

// pagemapError says what happened to pid when its pagemap could not be
// read. The kernel refuses a process without an address space (a zombie
// or a kernel thread) with ESRCH, as if it did not exist: the maps tell
// the cases apart.
func pagemapError(root string, pid int, err error) error {
	if errors.Is(err, syscall.ESRCH) {
		if err := CheckReadable(root, pid); err != nil {
			return err
		}
	}
	return describe(pid, err)
}

// softDirty caches SoftDirtySupported's answer.
var softDirty struct {
	once sync.Once
	ok   bool
}

// SoftDirtySupported reports whether the kernel tracks soft-dirty pages
// (bit 55 of pagemap). It is detected, not assumed (engine.md fact 22: a
// kernel built without CONFIG_MEM_SOFT_DIRTY still accepts "4" in
// clear_refs): a page mapscope maps and writes in its own process must
// show the bit.
func SoftDirtySupported() bool {
	softDirty.once.Do(func() {
		b, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			return
		}
		defer unix.Munmap(b)
		b[0] = 1
		pages, err := ReadPagemap("/proc", os.Getpid(), uint64(uintptr(unsafe.Pointer(&b[0]))), 1)
		softDirty.ok = err == nil && len(pages) == 1 && pages[0].SoftDirty()
	})
	return softDirty.ok
}
