// # anon-shared — shared memory without a name: MAP_SHARED | MAP_ANONYMOUS and fork

// A parent and its child can share memory without any name.
// A MAP_SHARED | MAP_ANONYMOUS mapping is inherited by fork, and both see the same pages.

// Map one shared anonymous page; the fd is -1, as there is no file.
// The new row is rw-s, named /dev/zero (deleted): an internal file of the kernel. /dev/shm stays as it was.
int* shared = (int*)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

// Fork. The child's tab has the same rw-s row: the same memory, not a copy.
pid_t pid = fork();

// The child writes 42 and exits. The parent waits for it with waitpid, so the write comes first.
if (pid == 0) { *shared = 42; exit(0); }
waitpid(pid, NULL, 0);

// The parent reads the page: 42, written by the child, which no longer exists.
printf("%d\n", *shared);

// Nothing was ever created in /dev/shm, so nothing is left behind there.
// The memory is freed with the last mapping: munmap here, or when the processes end. The row disappears.
munmap(shared, 4096);
