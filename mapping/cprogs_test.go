package mapping

// cPrograms are the C subjects of the tests, compiled by buildC.
var cPrograms = map[string]string{
	// busy counts in registers and prints every 2^18 iterations "a b d" with
	// b = a*a and d = a*(a+1)/2, both kept incrementally: any register or
	// flag the engine failed to restore breaks the relation, which the test
	// checks line by line. It also checks itself and exits 3 on a mismatch.
	"busy": `
#include <stdio.h>
#include <stdint.h>
#include <unistd.h>
int main(void) {
	uint64_t a = 0, b = 0, d = 0;
	char buf[96];
	for (;;) {
		a++;
		b += 2 * a - 1;
		d += a;
		if ((a & 0x3ffff) == 0) {
			if (b != a * a || d != a * (a + 1) / 2) return 3;
			int n = snprintf(buf, sizeof buf, "%llu %llu %llu\n",
				(unsigned long long)a, (unsigned long long)b, (unsigned long long)d);
			if (write(1, buf, n) != n) return 2;
		}
	}
}
`,
	// reader blocks in read(0) and reports what it got. With an argument it
	// first installs a SIGRTMIN handler ("restart": SA_RESTART, "norestart":
	// without) that counts signals and those whose si_code is not SI_USER.
	"reader": `
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static volatile int count, foreign;
static void handler(int sig, siginfo_t *si, void *uc) {
	count++;
	if (si->si_code != SI_USER) foreign++;
}
int main(int argc, char **argv) {
	if (argc > 1) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = handler;
		sa.sa_flags = SA_SIGINFO | (strcmp(argv[1], "restart") == 0 ? SA_RESTART : 0);
		sigaction(SIGRTMIN, &sa, NULL);
	}
	printf("ready\n");
	fflush(stdout);
	char buf[100];
	ssize_t n = read(0, buf, sizeof buf - 1);
	if (n < 0) {
		printf("error %s count %d foreign %d\n", strerror(errno), count, foreign);
		return 1;
	}
	buf[n] = 0;
	printf("got %s count %d foreign %d\n", strtok(buf, "\n"), count, foreign);
	return 0;
}
`,
	// napper sleeps one second in nanosleep and reports how long it slept.
	"napper": `
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
int main(void) {
	struct timespec t0, t1, d = {1, 0};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = nanosleep(&d, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("slept %ld ms result %d %s\n", ms, r, r ? strerror(errno) : "ok");
	return 0;
}
`,
	// filtered installs a seccomp filter that allows everything, says so,
	// and pauses.
	"filtered": `
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(void) {
	struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { 1, allow };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	pause();
	return 0;
}
`,
	// strerrors prints glibc's strerror for every errno, one per line.
	"strerrors": `
#include <stdio.h>
#include <string.h>
int main(void) {
	for (int i = 1; i < 134; i++) printf("%d %s\n", i, strerror(i));
	return 0;
}
`,
	// calls makes the calls the strace test compares.
	"calls": `
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	mprotect(p, 4096, PROT_READ);
	open("/nonexistent/mapscope", O_RDWR | O_CREAT | O_EXCL, 0644);
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return 0;
}
`,
	// compat (x86_64 only, built with -no-pie so its code lies below 4 GiB)
	// switches to 32-bit mode with a far return to code segment 0x23 and
	// spins there: a process whose registers say it runs 32-bit code.
	"compat": `
#include <stdio.h>
int main(void) {
	printf("ready\n");
	fflush(stdout);
	__asm__ volatile(
		"pushq $0x23\n"
		"leaq 1f(%%rip), %%rax\n"
		"pushq %%rax\n"
		"lretq\n"
		".code32\n"
		"1: jmp 1b\n"
		".code64\n" ::: "rax", "memory");
	return 0;
}
`,
}
