// Package mapping is mapscope's act side: it changes the address space of a
// watched process by making system calls inside it — mmap, munmap, mprotect,
// msync, madvise, open, shm_open, ftruncate, close, unlink, shm_unlink — and
// reads and writes its memory the way the process itself would.
//
// A Tracee is a process under ptrace: a lab subject started by Spawn (it dies
// with mapscope) or a running process joined by Attach (detached, untouched,
// on Close). Each operation stops the process with PTRACE_INTERRUPT, runs the
// call through a syscall instruction already in the process (never writing
// its code), puts back its registers — with the kernel's restart codes fixed
// so that a blocked read, pause or nanosleep carries on — and lets it run
// again; signals that arrive meanwhile are held and given back. All ptrace
// work happens on one OS thread per Tracee, so its methods may be called from
// any goroutine. Self runs the same operations in mapscope's own process.
//
// Every operation returns a Call: the C text of the call, as a programmer
// would write it, and its result.
//
//	t, err := mapping.Spawn([]string{"sleep", "infinity"}, nil)
//	if err != nil {
//		return err
//	}
//	defer t.Close()
//	c, err := t.Mmap(0, 8192, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS, -1, 0)
//	if err != nil {
//		return err // the call could not be made: refused, or the process is gone
//	}
//	fmt.Println(c) // mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) = 0x7f3a1c000000
//	if _, err := t.WriteMemory(c.Addr(), []byte{42}); err != nil {
//		var f *mapping.Fault // the SIGSEGV the process would have got
//		...
//	}
package mapping
