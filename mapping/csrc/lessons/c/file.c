// # file — mapping a file: shared and private, open modes, msync

// @panels fds
// mmap can map a file: its bytes then appear in memory, and reading memory reads the file.
// This lesson uses /var/tmp, which is on disk. (On many systems /tmp is tmpfs, memory only.)

// Create a file and make it 2 pages long. The new descriptor appears in the fd list.
int fd = open("/var/tmp/mapscope-lesson.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
ftruncate(fd, 8192);

// Map the whole file with MAP_SHARED. The new row is rw-s, with the file's path.
// Its dev and inode are the file's; offset 0 means it starts at the file's first byte.
char* shared = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

// Write a string into the mapping. With MAP_SHARED the write reaches the file: cat /var/tmp/mapscope-lesson.dat shows it.
// The detail pane shows Dirty 4 kB: the page changed in memory and is not yet written to the disk.
strcpy(shared, "hello, file");

// The kernel writes dirty pages to the disk later, when it likes. msync with MS_SYNC forces it now and waits.
// Dirty drops to 0 kB. (On tmpfs, like /dev/shm, there is no disk: the pages never become clean.)
msync(shared, 8192, MS_SYNC);

// Map the same file again, now with MAP_PRIVATE. A second row for the file: rw-p.
// It reads what the file holds.
char* priv = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
printf("%s\n", priv);

// Write into the private mapping: the kernel copies the page for this mapping alone (copy-on-write).
// The file and the shared mapping still hold hello, file. The private row's detail pane shows Anonymous 4 kB: the copy belongs to no file.
strcpy(priv, "private copy");
printf("%s\n", shared);

// The protection must not conflict with the open mode. Open the file again, read-only this time.
int ro = open("/var/tmp/mapscope-lesson.dat", O_RDONLY);

// A writable MAP_SHARED mapping of a read-only descriptor would let the process write the file.
// The kernel refuses: mmap returns MAP_FAILED, the call log shows -1 EACCES, and perror prints why.
char* bad = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
if (bad == MAP_FAILED) perror("mmap");

// With MAP_PRIVATE the same call works: private writes never reach the file.
char* copy = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
strcpy(copy, "mine");

// A mapping does not need its descriptor. Close both: they leave the fd list, the rows stay.
close(fd);
close(ro);

// Remove the file's name. The rows stay, and their path now ends in (deleted).
// The data lives on until the last mapping of the file goes away.
unlink("/var/tmp/mapscope-lesson.dat");

// Unmap all three. The rows disappear, and the file's space is freed.
munmap(shared, 8192);
munmap(priv, 8192);
munmap(copy, 8192);
