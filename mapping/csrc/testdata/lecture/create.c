#include <fcntl.h>
#include <sys/mman.h>
// The name must start with a slash "/"
int fd = shm_open("/my_data", O_CREAT | O_RDWR, 0666);
if (fd == -1) perror("shm_open");
// IMPORTANT: A new object has a size of 0! We must resize it:
if (ftruncate(fd, 1024) == -1) perror("ftruncate");
