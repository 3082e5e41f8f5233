package mapping

// sysno is the x86_64 system call table (arch/x86/entry/syscalls/syscall_64.tbl).
var sysno = syscallNumbers{
	mmap:           9,
	munmap:         11,
	mprotect:       10,
	msync:          26,
	madvise:        28,
	openat:         257,
	ftruncate:      77,
	close:          3,
	unlink:         87,
	unlinkat:       263,
	getpid:         39,
	restartSyscall: 219,
	clone:          56,
	exitGroup:      231,
	kill:           62,
	getppid:        110,
	wait4:          61,
}
