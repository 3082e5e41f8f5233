package procmaps

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// copyFixture copies testdata/proc/4242 into a new proc tree and returns
// its root and the path of its maps file.
func copyFixture(t *testing.T) (root, maps string) {
	t.Helper()
	root = t.TempDir()
	dir := filepath.Join(root, "4242")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"maps", "smaps"} {
		b, err := os.ReadFile(filepath.Join("testdata/proc/4242", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, filepath.Join(dir, "maps")
}

func TestSourceFixture(t *testing.T) {
	root, maps := copyFixture(t)
	text, err := os.ReadFile(maps)
	if err != nil {
		t.Fatal(err)
	}
	var p Parser
	want, err := p.Parse(text)
	if err != nil {
		t.Fatal(err)
	}

	src := NewSource(root, 4242)
	if src.PID() != 4242 || src.Root() != root {
		t.Errorf("PID, Root = %d, %q", src.PID(), src.Root())
	}
	first, changed, err := src.Read()
	if err != nil || !changed {
		t.Fatalf("first Read: changed %v, %v", changed, err)
	}
	if first.PID != 4242 || first.Seq != 1 || first.Taken.IsZero() || !slices.Equal(first.Mappings, want) {
		t.Errorf("first snapshot: pid %d seq %d taken %v, %d mappings (want %d)", first.PID, first.Seq, first.Taken, len(first.Mappings), len(want))
	}

	again, changed, err := src.Read()
	if err != nil || changed || again != first {
		t.Errorf("Read of unchanged text: changed %v, same snapshot %v, %v; want false, true, nil", changed, again == first, err)
	}
	// Unchanged text is recognised before parsing: Read costs no more
	// allocations than reading the text does.
	read := testing.AllocsPerRun(20, func() {
		if err := src.readText(); err != nil {
			t.Fatal(err)
		}
	})
	unchanged := testing.AllocsPerRun(20, func() {
		if _, changed, err := src.Read(); changed || err != nil {
			t.Fatal(changed, err)
		}
	})
	if unchanged != read {
		t.Errorf("unchanged Read allocates %.0f times, reading the text %.0f: it parsed", unchanged, read)
	}

	// The heap grows by a page.
	grown := bytes.Replace(text, []byte("55ceac810000-55ceac831000"), []byte("55ceac810000-55ceac832000"), 1)
	if err := os.WriteFile(maps, grown, 0o644); err != nil {
		t.Fatal(err)
	}
	second, changed, err := src.Read()
	if err != nil || !changed || second == first || second.Seq != 2 {
		t.Fatalf("Read after a change: changed %v, seq %d, %v", changed, second.Seq, err)
	}
	changes := Diff(first.Mappings, second.Mappings)
	if len(changes) != 1 || changes[0].Kind != Changed || changes[0].Detail != Resized || changes[0].New[0].Path != "[heap]" {
		t.Errorf("Diff after the heap grew: %+v", changes)
	}
	// Back to the first text: a change again, not the old snapshot.
	if err := os.WriteFile(maps, text, 0o644); err != nil {
		t.Fatal(err)
	}
	third, changed, err := src.Read()
	if err != nil || !changed || third.Seq != 3 || !slices.Equal(third.Mappings, want) {
		t.Errorf("Read after changing back: changed %v, seq %d, %v", changed, third.Seq, err)
	}

	if got := third.VirtualSize(); got != 0x1000*3+0x21000+0x5000+0x1000*2+0x21000 {
		t.Errorf("VirtualSize = %#x", got)
	}
	for _, tc := range []struct {
		addr uint64
		want int
	}{
		{0, -1},
		{0x55ce83bda000, 0},
		{0x55ce83bdbfff, 1},
		{0x55ce83bdc000, -1}, // the gap before the data
		{0x55ceac830fff, 3},
		{0x7ffc28d60fff, 7},
		{0x7ffc28d61000, -1},
	} {
		if got := third.Find(tc.addr); got != tc.want {
			t.Errorf("Find(%#x) = %d, want %d", tc.addr, got, tc.want)
		}
	}
}

func TestSourceErrors(t *testing.T) {
	root, maps := copyFixture(t)
	if _, _, err := NewSource(root, 4243).Read(); !errors.Is(err, ErrNoProcess) {
		t.Errorf("missing pid: %v, want ErrNoProcess", err)
	}

	src := NewSource(root, 4242)
	first, _, err := src.Read()
	if err != nil {
		t.Fatal(err)
	}
	// The process exits: its maps become empty. The last snapshot stays.
	if err := os.WriteFile(maps, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	snap, changed, err := src.Read()
	if !errors.Is(err, ErrNoMappings) || changed || snap != first {
		t.Errorf("empty maps: %v, changed %v, last snapshot kept %v; want ErrNoMappings, false, true", err, changed, snap == first)
	}

	if err := os.WriteFile(maps, []byte("55ce83bda000-55ce83bdb000 r--p 00000000 fe:00 1 /x\nnonsense\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.Read(); !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), maps) {
		t.Errorf("malformed maps: %v, want ErrParse naming the file and line 2", err)
	}
}

// TestSourceRetriesARacedRead feeds Source texts through its open seam: a
// maps read that raced an mmap shows a line twice or two lines that
// overlap (DynamoRIO#2172); Read reads again, a bounded number of times.
func TestSourceRetriesARacedRead(t *testing.T) {
	good, err := os.ReadFile("testdata/proc/4242/maps")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	repeated := strings.Join(slices.Insert(slices.Clone(lines), 4, lines[3]), "")
	overlapping := strings.Replace(string(good), "55ceac810000-55ceac831000", "55ceac810000-7f43472cf000", 1)
	var p Parser
	want, err := p.Parse(good)
	if err != nil {
		t.Fatal(err)
	}

	for name, raced := range map[string]string{"line repeated": repeated, "lines overlap": overlapping} {
		t.Run(name, func(t *testing.T) {
			if ms, err := p.Parse([]byte(raced)); err != nil || checkOrder(ms) == nil {
				t.Fatalf("the raced text should parse and fail checkOrder: %v", err)
			}
			// feed returns an open that gives the raced text badReads
			// times, then the good one.
			opens := 0
			feed := func(src *Source, badReads int) {
				src.open = func(name string) (io.ReadCloser, error) {
					if want := filepath.Join("proc", "4242", "maps"); name != want {
						t.Errorf("opened %q, want %q", name, want)
					}
					opens++
					if opens <= badReads {
						return io.NopCloser(strings.NewReader(raced)), nil
					}
					return io.NopCloser(bytes.NewReader(good)), nil
				}
			}

			src := NewSource("proc", 4242)
			feed(src, 2)
			snap, changed, err := src.Read()
			if err != nil || !changed || !slices.Equal(snap.Mappings, want) {
				t.Fatalf("Read: changed %v, %v; want the good text's %d mappings", changed, err, len(want))
			}
			if opens != 3 {
				t.Errorf("opened %d times, want 3 (two raced reads, one good)", opens)
			}

			opens = 0
			feed(src, 1<<30)
			last, changed, err := src.Read()
			if !errors.Is(err, errRaced) || changed || last != snap {
				t.Errorf("persistent overlap: changed %v, last snapshot kept %v, %v; want errRaced", changed, last == snap, err)
			}
			if opens != maxRaceRetries+1 {
				t.Errorf("opened %d times, want %d", opens, maxRaceRetries+1)
			}

			opens = 0
			fresh := NewSource("proc", 4242)
			feed(fresh, 1<<30)
			if snap, _, err := fresh.Read(); !errors.Is(err, errRaced) || snap != nil {
				t.Errorf("persistent overlap on a new Source: %v, %v; want nil, errRaced", snap, err)
			}
		})
	}
}

// TestSourceRealProcess drives a C program through mmap, mprotect and
// munmap and checks what Source, Diff and ReadSmapsAt see in between.
func TestSourceRealProcess(t *testing.T) {
	sub := startSubject(t)
	pid := sub.pid()
	page := uint64(os.Getpagesize())
	src := NewSource("/proc", pid)

	base, changed, err := src.Read()
	if err != nil || !changed {
		t.Fatalf("first Read: changed %v, %v", changed, err)
	}
	again, changed, err := src.Read()
	if err != nil || changed || again != base {
		t.Fatalf("second Read of an idle process: changed %v, same snapshot %v, %v", changed, again == base, err)
	}
	step := func(what string, prev *Snapshot) *Snapshot {
		t.Helper()
		snap, changed, err := src.Read()
		if err != nil || !changed || snap.Seq != prev.Seq+1 {
			t.Fatalf("Read after %s: changed %v, seq %d after %d, %v", what, changed, snap.Seq, prev.Seq, err)
		}
		return snap
	}

	// Four pages far from everything else, so nothing merges with them.
	addr := sub.addr("map %d 3 %x", 4*page, 0x200000000000)
	region := Mapping{Start: addr, End: addr + 4*page, Perms: rw_p, Kind: KindAnonPrivate}
	mapped := step("mmap", base)
	checkChanges(t, Diff(base.Mappings, mapped.Mappings), []Change{{Kind: Added, New: []Mapping{region}}})
	if i := mapped.Find(addr + page); i < 0 || mapped.Mappings[i] != region {
		t.Errorf("Find(%#x) = %d", addr+page, i)
	}

	sub.do("touch %x %d", addr, 2*page)
	sm, err := ReadSmapsAt("/proc", pid, addr)
	if err != nil {
		t.Fatal(err)
	}
	if sm.Mapping != region {
		t.Errorf("smaps header: %s", mappingDiff(sm.Mapping, region))
	}
	for key, want := range map[string]uint64{"Size": 16 << 10, "Rss": 8 << 10, "Private_Dirty": 8 << 10, "Anonymous": 8 << 10, "Swap": 0} {
		if got := sm.Bytes(key); got != want {
			t.Errorf("smaps %s = %d, want %d", key, got, want)
		}
	}
	if len(sm.VmFlags) == 0 || sm.VmFlags[0].Code != "rd" || sm.VmFlags[1].Code != "wr" {
		t.Errorf("VmFlags = %q", sm.VmFlags)
	}

	// mprotect of the second half splits the region in two.
	sub.do("protect %x %d 1", addr+2*page, 2*page)
	split := step("mprotect", mapped)
	halves := []Mapping{
		{Start: addr, End: addr + 2*page, Perms: rw_p, Kind: KindAnonPrivate},
		{Start: addr + 2*page, End: addr + 4*page, Perms: r__p, Kind: KindAnonPrivate},
	}
	checkChanges(t, Diff(mapped.Mappings, split.Mappings), []Change{{Kind: Changed, Detail: Split | PermsChanged, Old: []Mapping{region}, New: halves}})

	sub.do("unmap %x %d", addr, 4*page)
	unmapped := step("munmap", split)
	// Diff groups mappings that overlap, and the two halves only touch:
	// one Removed change for each.
	checkChanges(t, Diff(split.Mappings, unmapped.Mappings), []Change{{Kind: Removed, Old: halves[:1]}, {Kind: Removed, Old: halves[1:]}})
	if !slices.Equal(unmapped.Mappings, base.Mappings) {
		t.Errorf("after munmap the mappings differ from the first snapshot: %+v", Diff(base.Mappings, unmapped.Mappings))
	}
	if snap, changed, err := src.Read(); err != nil || changed || snap != unmapped {
		t.Errorf("Read after munmap, again: changed %v, same snapshot %v, %v", changed, snap == unmapped, err)
	}

	// The program answered and is on its way back into read(2): running
	// for a moment, then sleeping.
	var id Identity
	for deadline := time.Now().Add(10 * time.Second); id.State != "S" && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if id, err = ReadIdentity("/proc", pid); err != nil {
			t.Fatal(err)
		}
	}
	bin := sub.cmd.Path
	if id.PID != pid || id.PPID != os.Getpid() || id.Comm != "pmsubject" || id.State != "S" ||
		id.Threads != 1 || id.UID != uint64(os.Getuid()) || id.Exe != bin || !slices.Equal(id.Cmdline, []string{bin}) {
		t.Errorf("ReadIdentity = %+v; want pid %d, ppid %d, comm pmsubject, state S, 1 thread, exe and cmdline %s", id, pid, os.Getpid(), bin)
	}
	if id.Exited() || id.Command() != bin {
		t.Errorf("Exited %v, Command %q", id.Exited(), id.Command())
	}
	totals, err := ReadTotals("/proc", pid)
	if err != nil {
		t.Fatal(err)
	}
	if totals.Rss == 0 || totals.Pss == 0 {
		t.Errorf("ReadTotals: Rss %d, Pss %d; want both > 0", totals.Rss, totals.Pss)
	}
	if err := CheckReadable("/proc", pid); err != nil {
		t.Errorf("CheckReadable of a live process: %v", err)
	}
}

func TestCheckReadable(t *testing.T) {
	t.Run("no such process", func(t *testing.T) {
		// PID_MAX_LIMIT is 4194304 on 64-bit Linux: no PID is above it.
		const pid = 4194305
		err := CheckReadable("/proc", pid)
		if !errors.Is(err, ErrNoProcess) {
			t.Errorf("CheckReadable(%d) = %v, want ErrNoProcess", pid, err)
		}
		if _, err := ReadIdentity("/proc", pid); !errors.Is(err, ErrNoProcess) {
			t.Errorf("ReadIdentity(%d) = %v, want ErrNoProcess", pid, err)
		}
	})

	t.Run("kernel thread", func(t *testing.T) {
		pid := kernelThread(t)
		err := CheckReadable("/proc", pid)
		if !errors.Is(err, ErrNoMappings) || !strings.Contains(err.Error(), "kernel thread") {
			t.Errorf("CheckReadable(%d) = %v, want ErrNoMappings naming a kernel thread", pid, err)
		}
	})

	t.Run("zombie", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		if path, err := exec.LookPath("true"); err == nil {
			cmd = exec.Command(path)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Wait() })
		pid := cmd.Process.Pid
		// Not waited for: it stays a zombie once it exits.
		deadline := time.Now().Add(10 * time.Second)
		for procState(t, pid) != "Z" {
			if time.Now().After(deadline) {
				t.Fatalf("pid %d never became a zombie (state %s)", pid, procState(t, pid))
			}
			time.Sleep(5 * time.Millisecond)
		}
		err := CheckReadable("/proc", pid)
		if !errors.Is(err, ErrNoMappings) || !strings.Contains(err.Error(), "zombie") {
			t.Errorf("CheckReadable(zombie %d) = %v, want ErrNoMappings saying zombie", pid, err)
		}
		id, err := ReadIdentity("/proc", pid)
		if err != nil || !id.Exited() || len(id.Cmdline) != 0 || !strings.HasPrefix(id.Command(), "[") {
			t.Errorf("ReadIdentity(zombie) = %+v, %v; want exited, no command line", id, err)
		}
	})
}

// procState returns the one-letter state in /proc/<pid>/stat.
func procState(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := bytes.Cut(b, []byte(") "))
	if !ok || len(after) == 0 {
		t.Fatalf("/proc/%d/stat: %q", pid, b)
	}
	return string(after[:1])
}

// kernelThread returns pid 2 (kthreadd) or, inside a PID namespace where
// pid 2 is something else, any visible task with PF_KTHREAD set.
func kernelThread(t *testing.T) int {
	t.Helper()
	if comm, err := os.ReadFile("/proc/2/comm"); err == nil && string(comm) == "kthreadd\n" {
		return 2
	}
	const pfKthread = 0x00200000
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		_, after, _ := bytes.Cut(b, []byte(") "))
		fields := strings.Fields(string(after))
		if len(fields) < 7 {
			continue
		}
		// After the comm: state ppid pgrp session tty_nr tpgid flags.
		if flags, err := strconv.ParseUint(fields[6], 10, 64); err == nil && flags&pfKthread != 0 {
			return pid
		}
	}
	t.Skip("no kernel thread is visible in this PID namespace")
	return 0
}

// TestDiffSnapshotsAgrees: the windowed diff of consecutive snapshots is
// exactly Diff of the whole arrays, across random edits of a maps file
// (lines added, removed, split, merged, re-protected).
func TestDiffSnapshotsAgrees(t *testing.T) {
	root, maps := copyFixture(t)
	type line struct {
		start, end uint64
		perms      string
	}
	var ls []line
	for i := range 300 {
		a := uint64(0x7f0000000000) + uint64(i)*0x10000
		ls = append(ls, line{a, a + 0x8000, "rw-p"})
	}
	write := func() {
		var b bytes.Buffer
		for _, l := range ls {
			fmt.Fprintf(&b, "%x-%x %s 00000000 00:00 0 \n", l.start, l.end, l.perms)
		}
		if err := os.WriteFile(maps, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write()
	src := NewSource(root, 4242)
	prev, _, err := src.Read()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 400 {
		i := rng.IntN(len(ls))
		switch rng.IntN(4) {
		case 0: // remove
			if len(ls) > 10 {
				ls = slices.Delete(ls, i, i+1)
			}
		case 1: // add into the gap after line i
			a := ls[i].end + 0x1000
			if i+1 == len(ls) || a+0x1000 <= ls[i+1].start {
				ls = slices.Insert(ls, i+1, line{a, a + 0x1000, "r--p"})
			}
		case 2: // re-protect
			ls[i].perms = map[string]string{"rw-p": "r--p", "r--p": "rw-p", "---p": "rw-p"}[ls[i].perms]
		case 3: // split in two
			if ls[i].end-ls[i].start >= 0x2000 {
				mid := ls[i].start + 0x1000
				ls = slices.Insert(ls, i+1, line{mid, ls[i].end, "---p"})
				ls[i].end = mid
			}
		}
		write()
		next, changed, err := src.Read()
		if err != nil {
			t.Fatal(err)
		}
		if !changed {
			continue
		}
		if got, want := DiffSnapshots(prev, next), Diff(prev.Mappings, next.Mappings); !reflect.DeepEqual(got, want) {
			t.Fatalf("DiffSnapshots = %+v\nDiff = %+v", got, want)
		}
		prev = next
	}
}

// TestReadState: a running process is R, a sleeping one S once it has
// settled, an ended one that nobody reaped Z, a reaped one gone ("").
func TestReadState(t *testing.T) {
	busy := exec.Command("sh", "-c", "while :; do :; done")
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { busy.Process.Kill(); busy.Wait() }()
	if st := ReadState("/proc", busy.Process.Pid); st != "R" {
		t.Errorf("a busy loop's state %q, want R (running or runnable)", st)
	}
	cmd := exec.Command("sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if st := WaitAsleep("/proc", pid, 5*time.Second); st != "S" {
		t.Errorf("sleep's state %q, want S", st)
	}
	cmd.Process.Kill()
	for deadline := time.Now().Add(3 * time.Second); ReadState("/proc", pid) != "Z" && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if st := ReadState("/proc", pid); st != "Z" {
		t.Errorf("a killed, unreaped child is %q, want Z", st)
	}
	cmd.Wait()
	if st := ReadState("/proc", pid); st != "" {
		t.Errorf("a reaped process is %q, want gone", st)
	}
}
