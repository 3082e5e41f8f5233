// # tour — the address space of a fresh process, column by column

// This is a fresh process: the program sleep, started for this lesson and now waiting.
// It asks for its own PID. The table is read from /proc/PID/maps, with this number as PID.
pid_t me = getpid();
printf("my pid is %d\n", me);

// Each row of the table is one mapping: a range of addresses with the same properties.
// The kernel keeps this list for every process. The manual page man 5 proc_pid_maps explains its columns.

// The first two columns are the address range: start and end (the end is not part of it).
// A mapping is always a whole number of 4 KiB pages, so every address ends in 000.

// The perms column says what the process may do with the range: r read, w write, x execute, - not allowed.
// The last letter is p for a private mapping (copy-on-write) or s for a shared one.

// Find the rows of /usr/bin/sleep: the program's file appears several times.
// r-xp is its code, r--p its read-only data, rw-p its global variables.

// The offset column says where in the file the mapping starts.
// The code row of /usr/bin/sleep has an offset that is not 0: it maps the middle of the file.

// The dev and inode columns name the file: the device it is on, and its number there.
// Rows with dev 00:00 and inode 0 have no file behind them.

// The last column is the path, or a name in brackets.
// [heap] is where malloc takes memory from, [stack] is the stack of the main thread.
// [vdso] is code the kernel lends every process for fast calls such as clock_gettime.

// Rows with no path at all are anonymous memory: zero-filled pages that belong to no file.
// The C library and the loader (ld-linux) made them for their own use.

// Select a row and open the detail pane: it shows /proc/PID/smaps for that mapping.
// Rss is how much of the mapping is really in memory now. It is often much less than the size.

// Watch a new row appear: the process maps one page of anonymous memory.
// The new row is 4K, rw-p, offset 0, dev 00:00, inode 0, and has no path. The next lesson is about rows like this.
char* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
