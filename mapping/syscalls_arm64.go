package mapping

// sysno is the arm64 system call table (include/uapi/asm-generic/unistd.h).
// arm64 has no unlink: unlinkat(AT_FDCWD, path, 0) stands in for it; and no
// fork: clone(SIGCHLD, 0, 0, 0, 0), which mapscope uses on amd64 too.
var sysno = syscallNumbers{
	mmap:           222,
	munmap:         215,
	mprotect:       226,
	msync:          227,
	madvise:        233,
	openat:         56,
	ftruncate:      46,
	close:          57,
	unlink:         -1,
	unlinkat:       35,
	getpid:         172,
	restartSyscall: 128,
	clone:          220,
	exitGroup:      94,
	kill:           129,
	getppid:        173,
	wait4:          260,
}
