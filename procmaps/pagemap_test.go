package procmaps

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestPageBits decodes entries written as the kernel writes them
// (native-endian u64) into a fixture pagemap, one entry a bit.
func TestPageBits(t *testing.T) {
	const pfn = 0x12345
	entries := []struct {
		name string
		raw  uint64
		want string // Present Swapped File Exclusive SoftDirty UffdWP Guard, then PFN and State
	}{
		{"empty", 0, "------- 0 not present"},
		{"present", 1<<63 | pfn, "P------ 0x12345 present, shared"},
		{"present exclusive", 1<<63 | 1<<56 | pfn, "P--E--- 0x12345 present, exclusive"},
		{"file", 1<<63 | 1<<61 | pfn, "P-F---- 0x12345 present, shared"},
		{"soft-dirty", 1<<63 | 1<<56 | 1<<55, "P--ED-- 0 present, exclusive"},
		{"uffd-wp", 1<<63 | 1<<57 | pfn, "P----U- 0x12345 present, shared"},
		// A swap entry's low bits are the swap type and offset, not a frame.
		{"swapped", 1<<62 | 0x2a1, "-S----- 0 swapped"},
		{"guard", 1<<62 | 1<<58, "-S----G 0 guard"},
		{"frame without present", pfn, "------- 0 not present"},
		{"all bits", 1<<64 - 1, "PSFEDUG 0x7fffffffffffff present, exclusive"},
	}

	root := t.TempDir()
	const pid, firstPage = 4242, 3
	if err := os.Mkdir(filepath.Join(root, strconv.Itoa(pid)), 0o755); err != nil {
		t.Fatal(err)
	}
	// Pages 0-2 are filler, so that the read must start at offset 24.
	data := make([]byte, (firstPage+len(entries))*8)
	for i := range firstPage {
		binary.NativeEndian.PutUint64(data[i*8:], 0xdead)
	}
	for i, e := range entries {
		binary.NativeEndian.PutUint64(data[(firstPage+i)*8:], e.raw)
	}
	if err := os.WriteFile(filepath.Join(root, strconv.Itoa(pid), "pagemap"), data, 0o644); err != nil {
		t.Fatal(err)
	}

	// Any address inside the first page selects it.
	pages, err := ReadPagemap(root, pid, firstPage*pageSize+123, len(entries))
	if err != nil {
		t.Fatal(err)
	}
	flag := func(on bool, c byte) byte {
		if on {
			return c
		}
		return '-'
	}
	for i, e := range entries {
		p := pages[i]
		if uint64(p) != e.raw {
			t.Errorf("%s: entry %#x, want %#x", e.name, uint64(p), e.raw)
		}
		flags := []byte{flag(p.Present(), 'P'), flag(p.Swapped(), 'S'), flag(p.FileOrSharedAnon(), 'F'),
			flag(p.Exclusive(), 'E'), flag(p.SoftDirty(), 'D'), flag(p.UffdWP(), 'U'), flag(p.Guard(), 'G')}
		pfn := "0"
		if p.PFN() != 0 {
			pfn = fmt.Sprintf("%#x", p.PFN())
		}
		if got := fmt.Sprintf("%s %s %s", flags, pfn, p.State()); got != e.want {
			t.Errorf("%s (%#x): %q, want %q", e.name, e.raw, got, e.want)
		}
	}

	// The fixture file ends where the kernel's pagemap ends, at the top of
	// the user address space.
	pages, err = ReadPagemap(root, pid, uint64(firstPage+len(entries)-1)*pageSize, 2)
	if err == nil || !strings.Contains(err.Error(), "beyond the user address space") || len(pages) != 1 {
		t.Errorf("read past the end: %d pages, %v; want 1 page and an error", len(pages), err)
	}
}

func TestPageStateString(t *testing.T) {
	for s, want := range map[PageState]string{
		PageNotPresent:       "not present",
		PageSwapped:          "swapped",
		PageGuard:            "guard",
		PagePresentExclusive: "present, exclusive",
		PagePresentShared:    "present, shared",
		PageState(42):        "PageState(42)",
	} {
		if got := s.String(); got != want {
			t.Errorf("PageState(%d).String() = %q, want %q", s, got, want)
		}
	}
}

// mmapPages maps n pages of anonymous memory in the test process, without
// transparent huge pages (which would make a whole run present at the
// first touch), and unmaps them at the end of the test.
func mmapPages(tb testing.TB, n, flags int) []byte {
	tb.Helper()
	mem, err := unix.Mmap(-1, 0, n*int(pageSize), unix.PROT_READ|unix.PROT_WRITE, flags|unix.MAP_ANONYMOUS)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Madvise(mem, unix.MADV_NOHUGEPAGE); err != nil {
		tb.Fatal(err)
	}
	return mem
}

func addrOf(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(&b[0]))) }

// selfPagemap reads the pagemap of the test process for the pages of mem.
func selfPagemap(t *testing.T, mem []byte) []Page {
	t.Helper()
	pages, err := ReadPagemap("/proc", os.Getpid(), addrOf(mem), len(mem)/int(pageSize))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != len(mem)/int(pageSize) {
		t.Fatalf("%d entries, want %d", len(pages), len(mem)/int(pageSize))
	}
	return pages
}

func states(pages []Page) string {
	s := make([]string, len(pages))
	for i, p := range pages {
		s[i] = p.State().String()
	}
	return strings.Join(s, " | ")
}

// hasCapSysAdmin reports whether the test process may see page frames.
func hasCapSysAdmin(t *testing.T) bool {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<unix.CAP_SYS_ADMIN) != 0
		}
	}
	return false
}

// TestReadPagemapPrivateAnon maps memory in the test process itself: a
// fresh private anonymous mapping is not present; a written page is present
// and exclusive; a page that is only read maps the shared zero page
// (engine.md fact 21).
func TestReadPagemapPrivateAnon(t *testing.T) {
	mem := mmapPages(t, 4, unix.MAP_PRIVATE)
	if got := states(selfPagemap(t, mem)); got != "not present | not present | not present | not present" {
		t.Fatalf("fresh mapping: %s", got)
	}

	mem[0], mem[2*pageSize] = 1, 1
	pages := selfPagemap(t, mem)
	if got := states(pages); got != "present, exclusive | not present | present, exclusive | not present" {
		t.Fatalf("after writing pages 0 and 2: %s", got)
	}
	for _, i := range []int{0, 2} {
		p := pages[i]
		if p.FileOrSharedAnon() || p.Swapped() || p.Guard() {
			t.Errorf("page %d: %#x, want private anonymous in memory", i, uint64(p))
		}
		if hasCapSysAdmin(t) != (p.PFN() != 0) {
			t.Errorf("page %d: PFN %#x with CAP_SYS_ADMIN %v", i, p.PFN(), hasCapSysAdmin(t))
		}
	}
	if pages[0].PFN() == pages[2].PFN() && hasCapSysAdmin(t) {
		t.Errorf("pages 0 and 2 share frame %#x", pages[0].PFN())
	}

	// A load from page 3: present now, but the zero page, shared by all.
	if v := *(*byte)(unsafe.Pointer(&mem[3*pageSize])); v != 0 {
		t.Fatalf("untouched page reads %d", v)
	}
	pages = selfPagemap(t, mem)
	if got := states(pages); got != "present, exclusive | not present | present, exclusive | present, shared" {
		t.Fatalf("after reading page 3: %s", got)
	}
}

// TestReadPagemapShared: pages of shared memory and files carry bit 61.
func TestReadPagemapShared(t *testing.T) {
	t.Run("shared anonymous", func(t *testing.T) {
		mem := mmapPages(t, 2, unix.MAP_SHARED)
		mem[pageSize] = 1
		pages := selfPagemap(t, mem)
		if got := states(pages); got != "not present | present, exclusive" {
			t.Fatalf("states: %s", got)
		}
		if !pages[1].FileOrSharedAnon() || pages[0].FileOrSharedAnon() {
			t.Errorf("bit 61: %v %v, want false true", pages[0].FileOrSharedAnon(), pages[1].FileOrSharedAnon())
		}
	})

	t.Run("file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(path, make([]byte, 2*pageSize), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		mem, err := unix.Mmap(int(f.Fd()), 0, 2*int(pageSize), unix.PROT_READ, unix.MAP_PRIVATE)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Munmap(mem)
		if mem[0] != 0 {
			t.Fatalf("file page 0 reads %d", mem[0])
		}
		pages := selfPagemap(t, mem)
		if !pages[0].Present() || !pages[0].FileOrSharedAnon() {
			t.Errorf("page 0 after a read: %#x (%s), want present with bit 61", uint64(pages[0]), pages[0].State())
		}
		// Fault-around may have mapped page 1 with it, from the page cache.
		t.Logf("file pages after reading page 0: %s", states(pages))
	})
}

// TestReadPagemapGuard: a guard region (MADV_GUARD_INSTALL, Linux 6.13+)
// shows bit 58 (6.15+), and bit 62 with it.
func TestReadPagemapGuard(t *testing.T) {
	mem := mmapPages(t, 3, unix.MAP_PRIVATE)
	if err := unix.Madvise(mem[pageSize:2*pageSize], unix.MADV_GUARD_INSTALL); err != nil {
		if errors.Is(err, unix.EINVAL) {
			t.Skip("MADV_GUARD_INSTALL is refused (EINVAL): this kernel has no guard regions (Linux 6.13+)")
		}
		t.Fatal(err)
	}
	pages := selfPagemap(t, mem)
	if !pages[1].Swapped() {
		t.Fatalf("guard page: %#x, want bit 62", uint64(pages[1]))
	}
	if !pages[1].Guard() {
		t.Skipf("guard page: %#x: this kernel does not report guard regions in the pagemap (Linux 6.15+)", uint64(pages[1]))
	}
	if got := states(pages); got != "not present | guard | not present" {
		t.Errorf("states: %s", got)
	}
}

// TestReadPagemapErrors: a missing process, a zombie, a kernel thread and a
// range past the end of the address space.
func TestReadPagemapErrors(t *testing.T) {
	// PID_MAX_LIMIT is 4194304 on 64-bit Linux: no PID is above it.
	if _, err := ReadPagemap("/proc", 4194305, 0, 1); !errors.Is(err, ErrNoProcess) {
		t.Errorf("missing process: %v, want ErrNoProcess", err)
	}

	pid := kernelThread(t)
	if _, err := ReadPagemap("/proc", pid, 0, 1); !errors.Is(err, ErrNoMappings) || !strings.Contains(err.Error(), "kernel thread") {
		t.Errorf("kernel thread %d: %v, want ErrNoMappings", pid, err)
	}

	if _, err := ReadPagemap("/proc", os.Getpid(), 1<<63, 1); err == nil || errors.Is(err, ErrNoMappings) {
		t.Errorf("kernel address: %v, want an error beyond the user address space", err)
	}

	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no `true` command to make a zombie with")
	}
	cmd := exec.Command(truePath)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid = cmd.Process.Pid
	deadline := time.Now().Add(10 * time.Second)
	for procState(t, pid) != "Z" {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never became a zombie", pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := ReadPagemap("/proc", pid, 0, 1); !errors.Is(err, ErrNoMappings) || !strings.Contains(err.Error(), "zombie") {
		t.Errorf("zombie: %v, want ErrNoMappings", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPagemap("/proc", pid, 0, 1); !errors.Is(err, ErrNoProcess) {
		t.Errorf("reaped: %v, want ErrNoProcess", err)
	}
}

// pagemapHelperEnv makes the test binary, re-executed as another user, read
// the pagemap of the PID in it and of itself.
const pagemapHelperEnv = "PROCMAPS_PAGEMAP_HELPER_PID"

// TestReadPagemapPermission runs the test binary as nobody: the pagemap of
// a root process is refused with a permission error, and the frames of its
// own pages are hidden (zero).
func TestReadPagemapPermission(t *testing.T) {
	if v := os.Getenv(pagemapHelperEnv); v != "" {
		pagemapHelper(v)
		return
	}
	if os.Geteuid() != 0 {
		if _, err := ReadPagemap("/proc", 1, 0, 1); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("pagemap of pid 1 as uid %d: %v, want a permission error", os.Geteuid(), err)
		}
		return
	}
	out := runAsNobody(t, "^TestReadPagemapPermission$", pagemapHelperEnv+"="+strconv.Itoa(os.Getpid()))
	t.Logf("helper as nobody:\n%s", out)
	for _, want := range []string{"other: permission", "own: present pfn=0"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("helper output lacks %q:\n%s", want, out)
		}
	}
}

func pagemapHelper(pid string) {
	n, _ := strconv.Atoi(pid)
	_, err := ReadPagemap("/proc", n, 0, 1)
	switch {
	case errors.Is(err, fs.ErrPermission):
		fmt.Println("other: permission:", err)
	default:
		fmt.Println("other: unexpected:", err)
	}
	mem, err := unix.Mmap(-1, 0, int(pageSize), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		fmt.Println("own: mmap:", err)
		return
	}
	mem[0] = 1
	pages, err := ReadPagemap("/proc", os.Getpid(), addrOf(mem), 1)
	if err != nil {
		fmt.Println("own:", err)
		return
	}
	fmt.Printf("own: present pfn=%d\n", pages[0].PFN())
}

// BenchmarkReadPagemap1GiB reads the pagemap of a 1 GiB anonymous mapping
// (262,144 pages, a few of them touched) in the test process: one pread of
// 2 MiB. ReadPagemap allocates the entries each time; ReadPagemapInto
// reuses them.
func BenchmarkReadPagemap1GiB(b *testing.B) {
	const size = 1 << 30
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Munmap(mem)
	for off := 0; off < size; off += size / 8 {
		mem[off] = 1
	}
	n := size / int(pageSize)
	addr, pid := addrOf(mem), os.Getpid()
	check := func(b *testing.B, pages []Page) {
		present := 0
		for _, p := range pages {
			if p.Present() {
				present++
			}
		}
		if len(pages) != n || present != 8 {
			b.Fatalf("%d entries, %d present; want %d and 8", len(pages), present, n)
		}
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "pages/s")
	}

	b.Run("ReadPagemap", func(b *testing.B) {
		b.ReportAllocs()
		var pages []Page
		for b.Loop() {
			if pages, err = ReadPagemap("/proc", pid, addr, n); err != nil {
				b.Fatal(err)
			}
		}
		check(b, pages)
		report(b)
	})
	b.Run("ReadPagemapInto", func(b *testing.B) {
		b.ReportAllocs()
		pages := make([]Page, n)
		for b.Loop() {
			if _, err := ReadPagemapInto("/proc", pid, addr, pages); err != nil {
				b.Fatal(err)
			}
		}
		check(b, pages)
		report(b)
	})
}

// TestSoftDirtyDetected: when the kernel tracks soft-dirty pages, a page
// written in this process shows the bit; when it does not, no page ever
// does, and the test says which case it checked.
func TestSoftDirtyDetected(t *testing.T) {
	// The kernel's build configuration, when it is published, says what
	// the detection must find.
	configured := ""
	if f, err := os.Open("/proc/config.gz"); err == nil {
		defer f.Close()
		if zr, err := gzip.NewReader(f); err == nil {
			cfg, _ := io.ReadAll(zr)
			configured = "no"
			if bytes.Contains(cfg, []byte("\nCONFIG_MEM_SOFT_DIRTY=y\n")) {
				configured = "yes"
			}
		}
	}
	switch {
	case configured == "yes" && !SoftDirtySupported():
		t.Fatal("the kernel is built with CONFIG_MEM_SOFT_DIRTY, but SoftDirtySupported says no")
	case configured == "no" && SoftDirtySupported():
		t.Fatal("the kernel is built without CONFIG_MEM_SOFT_DIRTY, but SoftDirtySupported says yes")
	case !SoftDirtySupported():
		t.Skipf("soft-dirty is not tracked by this kernel (CONFIG_MEM_SOFT_DIRTY: %q), as detected: no page to check", configured)
	}
	b, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(b)
	b[0] = 1
	pages, err := ReadPagemap("/proc", os.Getpid(), uint64(uintptr(unsafe.Pointer(&b[0]))), 1)
	if err != nil || !pages[0].SoftDirty() {
		t.Errorf("soft-dirty said supported, but a written page shows %v (%v)", pages, err)
	}
}

// TestScanPagemapAgrees: PAGEMAP_SCAN finds exactly the pages that the
// plain pagemap read says are present.
func TestScanPagemapAgrees(t *testing.T) {
	const n = 64
	b, err := unix.Mmap(-1, 0, n*os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(b)
	_ = unix.Madvise(b, unix.MADV_NOHUGEPAGE)
	for _, i := range []int{0, 1, 2, 10, 63} {
		b[i*os.Getpagesize()] = 1
	}
	start := uint64(uintptr(unsafe.Pointer(&b[0])))
	end := start + uint64(len(b))
	regions, err := ScanPagemap("/proc", os.Getpid(), start, end)
	if errors.Is(err, ErrNoPagemapScan) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	pages, err := ReadPagemap("/proc", os.Getpid(), start, n)
	if err != nil {
		t.Fatal(err)
	}
	fromScan := make([]bool, n)
	for _, r := range regions {
		if r.Categories&ScanPresent == 0 {
			continue
		}
		for a := r.Start; a < r.End; a += uint64(os.Getpagesize()) {
			fromScan[(a-start)/uint64(os.Getpagesize())] = true
		}
	}
	for i, p := range pages {
		if p.Present() != fromScan[i] {
			t.Errorf("page %d: pagemap present=%v, PAGEMAP_SCAN %v", i, p.Present(), fromScan[i])
		}
	}
	if len(regions) != 3 {
		t.Errorf("%d runs, want 3 (pages 0-2, 10, 63): %+v", len(regions), regions)
	}
}

// BenchmarkScanVsRead1GiB compares PAGEMAP_SCAN with the plain read of
// 262,144 entries on a 1 GiB mapping with 8 pages in memory.
func BenchmarkScanVsRead1GiB(b *testing.B) {
	const size = 1 << 30
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		b.Skip(err)
	}
	defer unix.Munmap(mem)
	_ = unix.Madvise(mem, unix.MADV_NOHUGEPAGE)
	for i := range 8 {
		mem[i*(size/8)] = 1
	}
	start := uint64(uintptr(unsafe.Pointer(&mem[0])))
	if _, err := ScanPagemap("/proc", os.Getpid(), start, start+size); errors.Is(err, ErrNoPagemapScan) {
		b.Skip(err)
	}
	var read, scan time.Duration
	b.Run("read", func(b *testing.B) {
		dst := make([]Page, size/os.Getpagesize())
		t0 := time.Now()
		for b.Loop() {
			if _, err := ReadPagemapInto("/proc", os.Getpid(), start, dst); err != nil {
				b.Fatal(err)
			}
		}
		read = time.Since(t0) / time.Duration(b.N)
	})
	b.Run("scan", func(b *testing.B) {
		t0 := time.Now()
		for b.Loop() {
			if _, err := ScanPagemap("/proc", os.Getpid(), start, start+size); err != nil {
				b.Fatal(err)
			}
		}
		scan = time.Since(t0) / time.Duration(b.N)
	})
	if scan > 0 {
		b.Logf("1 GiB, 8 pages present: read %v, PAGEMAP_SCAN %v (%.1f× faster)", read, scan, float64(read)/float64(scan))
	}
}

// runAsNobody runs the tests matching run from a copy of this test binary
// as user nobody, with env set, and returns their output: how a permission
// test sees /proc from a process without rights. The binary is copied
// because go test keeps it in a directory only root may enter.
func runAsNobody(t *testing.T, run, env string) []byte {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "procmaps-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "procmaps.test")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run="+run)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper as nobody: %v\n%s", err, out)
	}
	return out
}
