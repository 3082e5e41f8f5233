package procmaps

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// subjectC is the real process the tests watch. It reads one command a
// line on stdin, acts on its own address space and answers one line on
// stdout, so a test can check /proc/<pid>/maps between steps. Lengths are
// in bytes, addresses and answers in hex, PROT is PROT_* as a number.
//
//	ping                   -> pong
//	map LEN PROT HINT      -> address of mmap(HINT, LEN, PROT, MAP_PRIVATE|MAP_ANONYMOUS)
//	protect ADDR LEN PROT  -> ok (mprotect)
//	unmap ADDR LEN         -> ok (munmap)
//	touch ADDR LEN         -> ok (writes one byte in every page)
//	many N                 -> base of N one-page mappings, alternately r-- and rw-
//	quit                   -> exits
//
// A failed call answers "err ERRNO MESSAGE".
const subjectC = `
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void fail(void) { printf("err %d %s\n", errno, strerror(errno)); }

int main(void) {
	char line[256];
	long page = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		unsigned long addr, len, hint, n;
		int prot;
		if (strcmp(line, "ping\n") == 0) {
			printf("pong\n");
		} else if (sscanf(line, "map %lu %d %lx", &len, &prot, &hint) == 3) {
			void *p = mmap((void *)hint, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) fail(); else printf("%lx\n", (unsigned long)p);
		} else if (sscanf(line, "protect %lx %lu %d", &addr, &len, &prot) == 3) {
			if (mprotect((void *)addr, len, prot) != 0) fail(); else printf("ok\n");
		} else if (sscanf(line, "unmap %lx %lu", &addr, &len) == 2) {
			if (munmap((void *)addr, len) != 0) fail(); else printf("ok\n");
		} else if (sscanf(line, "touch %lx %lu", &addr, &len) == 2) {
			for (unsigned long off = 0; off < len; off += page) ((volatile char *)addr)[off] = 1;
			printf("ok\n");
		} else if (sscanf(line, "many %lu", &n) == 1) {
			char *p = mmap(NULL, n * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) { fail(); continue; }
			unsigned long i;
			for (i = 1; i < n; i += 2)
				if (mprotect(p + i * page, page, PROT_READ | PROT_WRITE) != 0) break;
			if (i < n) fail(); else printf("%lx\n", (unsigned long)p);
		} else if (strcmp(line, "quit\n") == 0) {
			return 0;
		} else {
			printf("err 0 unknown command %s", line);
		}
	}
	return 0;
}
`

// buildC compiles a C program with gcc into a temporary directory and
// returns the path of the binary. It skips the test when gcc is missing.
func buildC(tb testing.TB, name, src string) string {
	tb.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		tb.Skip("gcc not found: this test builds a small C program as a real subject (apt-get install gcc)")
	}
	dir := tb.TempDir()
	file := filepath.Join(dir, name+".c")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
	bin := filepath.Join(dir, name)
	if out, err := exec.Command(gcc, "-O2", "-Wall", "-o", bin, file).CombinedOutput(); err != nil {
		tb.Fatalf("gcc %s: %v\n%s", name, err, out)
	}
	return bin
}

// subject is a running subjectC, driven one command at a time.
type subject struct {
	tb  testing.TB
	cmd *exec.Cmd
	in  io.WriteCloser
	out *os.File
	r   *bufio.Reader
}

// startSubject builds and starts subjectC under the name "pmsubject"; the
// process is killed when the test ends.
func startSubject(tb testing.TB) *subject {
	tb.Helper()
	bin := buildC(tb, "pmsubject", subjectC)
	cmd := exec.Command(bin)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &subject{tb: tb, cmd: cmd, in: in, out: out.(*os.File), r: bufio.NewReader(out)}
	tb.Cleanup(func() {
		in.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	// One round trip: the program is now blocked in fgets with its stdio
	// buffers allocated, so its mappings only change when told to.
	if got := s.do("ping"); got != "pong" {
		tb.Fatalf("subject answered %q to ping", got)
	}
	return s
}

func (s *subject) pid() int { return s.cmd.Process.Pid }

// do sends one command and returns the answer; an "err" answer or no
// answer within a minute fails the test.
func (s *subject) do(format string, args ...any) string {
	s.tb.Helper()
	line := fmt.Sprintf(format, args...)
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		s.tb.Fatalf("subject %q: %v", line, err)
	}
	if err := s.out.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		s.tb.Fatal(err)
	}
	answer, err := s.r.ReadString('\n')
	if err != nil {
		s.tb.Fatalf("subject %q: no answer: %v", line, err)
	}
	answer = strings.TrimSuffix(answer, "\n")
	if strings.HasPrefix(answer, "err ") {
		s.tb.Fatalf("subject %q: %s", line, answer)
	}
	return answer
}

// addr sends a command that answers an address.
func (s *subject) addr(format string, args ...any) uint64 {
	s.tb.Helper()
	answer := s.do(format, args...)
	a, err := strconv.ParseUint(answer, 16, 64)
	if err != nil {
		s.tb.Fatalf("subject answered %q, not an address", answer)
	}
	return a
}
