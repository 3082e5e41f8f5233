// # protection — PROT flags, mprotect, and the fault

// Every mapping has a protection: the rwx letters of the perms column.
// The CPU checks it on every access. A forbidden access is the signal SIGSEGV.

// Map 3 pages, readable and writable (PROT_READ | PROT_WRITE).
// One new row: 12K, rw-p.
char* p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

// Write a letter into each page. The w in rw-p allows it.
p[0] = 'a';
p[4096] = 'b';
p[8192] = 'c';

// mprotect changes the protection of part of a mapping: the middle page becomes read-only.
// One row cannot have two protections, so the kernel splits it in three rows: rw-p, r--p, rw-p.
mprotect(p + 4096, 4096, PROT_READ);

// Reading the read-only page is allowed: it prints b.
printf("%c\n", p[4096]);

// PROT_NONE forbids every access. The last page's row now reads ---p.
// Such rows also guard the stacks of threads: touching them is always a crash.
mprotect(p + 8192, 4096, PROT_NONE);

// Now write into the read-only page. The CPU refuses: SIGSEGV with code SEGV_ACCERR, shown in the call log.
// A real program would die here; mapscope stops the lesson's program instead and leaves the process alive.
p[4096] = 'x';

// Look at the table: a fault changes no mapping, and the page still holds b.
// To write there, the program would first have to call mprotect with PROT_READ | PROT_WRITE.
