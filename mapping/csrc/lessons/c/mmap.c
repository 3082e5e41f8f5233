// # mmap — anonymous memory: mapped is not resident until touched

// mmap asks the kernel for new memory in the address space.
// With MAP_ANONYMOUS no file is behind it: the pages start out as zeros.

// Map 8 pages (32 KiB), readable and writable, private to this process.
// A new row appears: 32K, rw-p, no path. (Right next to a row just like it, the kernel would merge the two into one longer row.)
char* p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

// Look at the detail pane: Rss is 0 kB, and the page strip shows 8 empty cells.
// The kernel only reserved the addresses: none of the pages is in memory yet.

// Write one byte into the first page. Only now does the kernel give that page a frame of RAM.
// Rss becomes 4 kB, and the first cell of the page strip fills in.
p[0] = 'A';

// Now touch every page: the loop writes one byte into each of the 8 pages.
// Rss grows to 32 kB. Memory becomes resident page by page, when it is first used.
for (int i = 0; i < 8; i++) {
    p[i * 4096] = 'A' + i;
}

// Reading gives back what was written: A from the first page, H from the last.
printf("%c %c\n", p[0], p[7 * 4096]);

// munmap gives the memory back. The row disappears (it stays a moment as a fading ghost row).
// The 8 pages are freed; touching these addresses now would crash the process.
munmap(p, 8 * 4096);
