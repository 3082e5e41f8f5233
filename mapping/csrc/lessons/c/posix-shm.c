// # posix-shm — a named shared memory object, from shm_open to shm_unlink

// @panels shm fds
// A POSIX shared memory object is memory with a name, so that unrelated processes can share it.
// Its life has five steps: shm_open, ftruncate, mmap, close, shm_unlink. Keep an eye on /dev/shm.

// Step 1, shm_open, creates the object; its name must start with a slash.
// /dev/shm now lists my_data with size 0, and the fd list shows the new descriptor.
int fd = shm_open("/my_data", O_CREAT | O_RDWR, 0666);

// Step 2, ftruncate: a new object has a size of 0, so it must be resized.
// In /dev/shm, my_data now has 1024 bytes.
ftruncate(fd, 1024);

// Step 3, mmap with MAP_SHARED: a new row, rw-s, named /dev/shm/my_data.
// The row is 4K: a mapping is always made of whole pages.
int* shared_data = (int*)mmap(NULL, 1024, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

// Step 4, close: the descriptor is no longer needed. It leaves the fd list; the mapping remains.
close(fd);

// Use the memory: store 42 in the object.
*shared_data = 42;

// @process B
// Now process B: a second process, not related to the first (a new tab).
// It opens the same name, without O_CREAT: the object exists.
int fd = shm_open("/my_data", O_RDWR, 0666);

// Process B maps the object and closes its descriptor. Its table gets the same /dev/shm/my_data row.
int* shared_data = (int*)mmap(NULL, 1024, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
close(fd);

// Process B reads the first int of the object: 42, written by process A.
printf("%d\n", *shared_data);

// @process A
// Step 5, back in process A: shm_unlink removes the name, and my_data disappears from /dev/shm.
// The rows stay, and their path now ends in (deleted).
shm_unlink("/my_data");

// The memory itself is still there: it is freed when the last process unmaps it. A still reads 42.
printf("%d\n", *shared_data);

// POSIX shared memory objects have kernel persistence: without shm_unlink, my_data would stay in /dev/shm after both processes end, until the system reboots.
// Check in a terminal with ls -l /dev/shm.
