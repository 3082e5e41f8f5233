// # fork — what a child inherits, and copy-on-write

// fork() makes a copy of the process, the child. The child inherits every mapping.
// Afterwards MAP_SHARED and MAP_PRIVATE mappings behave differently.

// Two pages: one shared, one private. Two new anonymous rows: rw-s and rw-p.
int* shared = (int*)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
int* priv = (int*)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

// Store 1 in both. Each page now has a frame in memory (Rss 4 kB each).
*shared = 1;
*priv = 1;

// Fork. A tab for the child appears, and its table is the same as the parent's: the mappings are inherited.
// The call log shows fork() twice: the parent gets the child's PID, the child gets 0.
pid_t pid = fork();

// From now on every statement runs in both processes, each with its own variables.
// Only the child has pid == 0, so only the child writes 2 into both pages.
if (pid == 0) {
    *shared = 2;
    *priv = 2;
}

// Both print. The parent sees the child's 2 in the shared page, but keeps its own 1 in the private page.
// The child's write copied the private page (copy-on-write): press v on its row, and the two page strips no longer share it.
printf("shared %d, private %d\n", *shared, *priv);

// The child exits, and the parent waits for it with waitpid. The child's tab keeps its last table, marked exited.
// The parent's private page still holds 1: the child's copy is gone with the child.
if (pid == 0) exit(0);
waitpid(pid, NULL, 0);
