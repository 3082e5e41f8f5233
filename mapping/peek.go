package mapping

import (
	"errors"

	"golang.org/x/sys/unix"

	"mapscope/procmaps"
)

// Peek is memory of the process looked at without changing it: the bytes
// of pages that hold data, and zero bytes for pages that are not present,
// which were not read.
type Peek struct {
	Addr uint64 // the first byte
	// Data holds the bytes from Addr on: all that were asked for, or, with
	// a *Fault, those before the fault.
	Data []byte
	// Present has one entry per page the range touches, the first for the
	// page of Addr: true when the page's bytes in Data were read from the
	// process (the page was in memory, or in swap), false when they were
	// not read — the page was not present, and its bytes are zero — or
	// lie past a fault.
	Present []bool
	// Pages are the pagemap entries of the same pages, as they were before
	// the read.
	Pages []procmaps.Page
}

// Peek reads n bytes at addr without making any page present: looking
// changes what you look at (engine.md fact 21) — reading an untouched
// anonymous page maps the shared zero page into it, and reading a file page
// maps it (and its neighbours) from the page cache. So Peek reads the
// pagemap of the range first, and reads only the pages that hold data,
// through the same path as ReadMemory; a page that is not present is left
// as zero bytes, Present false, never touched.
//
// A page in swap is read, which brings it back into memory: its bytes are
// the process's data, and only reading can show them. Zero would be a lie.
//
// Zero is the truth for a not-present page of private anonymous memory,
// which reads as zero. A not-present page of a file or of shared memory
// holds what the file or the shared object holds, which Peek does not
// fetch: the caller, which knows the mapping, must show such a page as not
// present in this process rather than as zeros.
//
// Faults are those the process would get, as with ReadMemory: a *Fault at
// the first page that is unmapped or not readable, present or not (a
// not-present page is checked against the maps), with Data cut there. A
// not-present file page past the end of its file, where the process would
// get SIGBUS, is not detected: only reading it could tell.
// The process runs on between the pagemap read and the memory read; a page
// it touches in between shows as it was in the pagemap.
func (o ops) Peek(addr uint64, n int) (Peek, error) {
	p := Peek{Addr: addr}
	if n <= 0 {
		return p, nil
	}
	if err := o.r.checkAccess(addr, n, false); err != nil {
		return p, err
	}
	pid := o.r.Pid()
	first := addr &^ (pageSize - 1)
	end := addr + uint64(n)
	count := int((end-1-first)/pageSize) + 1
	pages, err := procmaps.ReadPagemap("/proc", pid, first, count)
	if err != nil {
		return p, err
	}
	p.Pages = pages
	p.Present = make([]bool, count)
	data := make([]byte, n)
	// bounds returns the part of pages [i, j) inside the range.
	bounds := func(i, j int) (uint64, uint64) {
		return max(addr, first+uint64(i)*pageSize), min(end, first+uint64(j)*pageSize)
	}
	var regions []region
	for i := 0; i < count; {
		if pages[i].State() == procmaps.PageNotPresent {
			lo, _ := bounds(i, i+1)
			if regions == nil {
				if regions, err = readRegions(pid); err != nil {
					p.Data = data[:lo-addr]
					return p, err
				}
			}
			if f := unreadable(regions, lo); f != nil {
				p.Data = data[:lo-addr]
				return p, f
			}
			i++
			continue
		}
		// A run of pages with data (a guard page among them faults, as it
		// does for ReadMemory).
		j := i + 1
		for j < count && pages[j].State() != procmaps.PageNotPresent {
			j++
		}
		lo, hi := bounds(i, j)
		got, err := transfer(pid, lo, data[lo-addr:hi-addr], false)
		for k := i; k < j && first+uint64(k)*pageSize < lo+uint64(got); k++ {
			p.Present[k] = true
		}
		if err != nil {
			p.Data = data[:lo-addr+uint64(got)]
			return p, err
		}
		i = j
	}
	p.Data = data
	return p, nil
}

// unreadable returns the fault a read at addr would raise, from the maps, or
// nil when the process may read there.
func unreadable(regions []region, addr uint64) *Fault {
	r, ok := regionAt(regions, addr)
	switch {
	case !ok:
		return &Fault{Addr: addr, Signal: unix.SIGSEGV, Code: SegvMapErr}
	case !r.readable():
		return &Fault{Addr: addr, Signal: unix.SIGSEGV, Code: SegvAccErr, Perms: r.perms, Path: r.path}
	}
	return nil
}

// looker is a runner that only reads memory: PeekPid looks at a process
// without ptrace (process_vm_readv needs the same rights, not an attach).
type looker struct{ pid int }

func (l looker) Pid() int { return l.pid }

func (l looker) run(request) (uint64, bool, error) {
	return 0, false, errors.New("a looker makes no system calls")
}

func (l looker) checkAccess(uint64, int, bool) error { return nil }

// PeekPid is Peek on any process mapscope may read, attached or not: the
// memory view of a process watched read-only, or before the user agreed
// to attach. Like Peek it never makes a page present.
func PeekPid(pid int, addr uint64, n int) (Peek, error) {
	return ops{r: looker{pid}}.Peek(addr, n)
}
