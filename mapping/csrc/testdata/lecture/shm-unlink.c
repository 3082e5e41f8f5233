// Removes the name from /dev/shm
shm_unlink("/my_data");
