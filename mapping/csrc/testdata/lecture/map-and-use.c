int* shared_data = (int*)mmap(NULL, 1024, PROT_READ | PROT_WRITE,
                              MAP_SHARED, // Must be SHARED for IPC
                              fd, 0);
// fd no longer needed
close(fd);
// Using the memory
*shared_data = 42;
