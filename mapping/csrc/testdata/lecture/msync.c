// Force changes to be written to the underlying file
if (msync(addr, length, MS_SYNC) == -1) {
    perror("msync");
}
