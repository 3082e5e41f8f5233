package mapping

// syscallNumbers is one architecture's table of the system calls mapscope
// makes. A number of -1 means the architecture has no such call.
type syscallNumbers struct {
	mmap, munmap, mprotect, msync, madvise int
	openat, ftruncate, close               int
	unlink, unlinkat                       int
	getpid, restartSyscall                 int
	clone, wait4                           int
	exitGroup, kill, getppid               int
}
