// Package csrc runs the C of mapscope's console, `mapscope run` and its
// lessons: a small interpreter for the subset of C that the shared-memory
// lecture is written in — declarations, assignments, if/else, blocks,
// counted for loops, pointer reads and writes, and calls to mmap, munmap,
// mprotect, msync, madvise, open, shm_open, ftruncate, close, unlink,
// shm_unlink, fork, wait, waitpid, kill, exit, printf, strcpy, memset and a
// few more.
//
// The program does not run in mapscope: every system call is made inside
// the watched process through the mapping engine, and every memory access
// goes through the engine's reads and writes, as the process's own would.
// So MAP_SHARED and MAP_PRIVATE behave after fork() as the kernel makes
// them behave, and a store into a read-only page is the SIGSEGV the
// process would get.
//
// fork() works as in C: after it, every later statement runs in each live
// process that reached it, with that process's own variables; the child's
// fork() returns 0. The processes take turns statement by statement, in
// the order they were created. Output and log lines name the process
// ("parent 811", "child 812").
//
// Why a package of its own under mapping: it is the act side's language —
// it drives Targets and knows nothing of the screen — and ui, main (for
// `mapscope run`) and the lessons all use it.
//
// Tokens come from the standard library's go/scanner, whose literals are
// C's (0666, 0x1000, 'A', "/my_data", comments); what differs (C escape
// sequences such as '\0', integer suffixes, #include lines, the automatic
// semicolons of Go) is handled around it.
package csrc
