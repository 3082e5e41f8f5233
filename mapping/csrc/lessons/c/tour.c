// # tour — the address space of a fresh process

// This is a fresh process: sleep, waiting.
// Every line of the table is one mapping.

// getpid() asks the process who it is.
int me = getpid();
printf("%d\n", me);
