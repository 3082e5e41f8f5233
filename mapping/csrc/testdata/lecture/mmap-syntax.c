#include <sys/mman.h>
void* addr = mmap(
    NULL,                    // Address hint (null)
    length,                  // Length of the mapping
    PROT_READ | PROT_WRITE,  // Memory protection flags
    MAP_SHARED,              // Flags (SHARED vs PRIVATE)
    fd,                      // File descriptor
    offset                   // Offset in the file
);
if (addr == MAP_FAILED) { /* handle error */ }
