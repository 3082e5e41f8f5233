package procmaps

import (
	"bufio"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseSmaps(t *testing.T) {
	text, err := os.ReadFile("testdata/smaps-future.txt")
	if err != nil {
		t.Fatal(err)
	}
	all, err := ParseSmaps(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("%d entries, want 2", len(all))
	}

	heap := all[0]
	wantHeap := Mapping{Start: 0x55ceac810000, End: 0x55ceac812000, Perms: rw_p, Path: "[heap]", Kind: KindHeap}
	if d := mappingDiff(heap.Mapping, wantHeap); d != "" {
		t.Errorf("heap header: %s", d)
	}
	var keys []string
	for _, f := range heap.Fields {
		keys = append(keys, f.Key)
	}
	wantKeys := []string{
		"Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty",
		"Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty", "Referenced",
		"Anonymous", "KSM", "LazyFree", "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped",
		"Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss", "Locked",
		"FutureField", "THPeligible", "ProtectionKey", "VmFlags",
	}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("keys in order:\n got %q\nwant %q", keys, wantKeys)
	}

	fields := []struct {
		key    string
		value  string
		bytes  uint64
		isSize bool
	}{
		{"Size", "8 kB", 8 << 10, true},
		{"Rss", "8 kB", 8 << 10, true},
		{"Private_Dirty", "8 kB", 8 << 10, true},
		{"Swap", "0 kB", 0, true},
		{"FutureField", "12 kB", 12 << 10, true}, // unknown to this version: kept
		{"THPeligible", "1", 0, false},           // a flag, not a size
		{"ProtectionKey", "0", 0, false},
		{"VmFlags", "rd wr mr mw me ac zz sd", 0, false},
	}
	for _, w := range fields {
		f, ok := heap.Get(w.key)
		if !ok {
			t.Errorf("Get(%q): missing", w.key)
			continue
		}
		if f.Key != w.key || f.Value != w.value || f.Bytes != w.bytes || f.IsSize != w.isSize {
			t.Errorf("Get(%q) = %+v, want {Key:%s Value:%s Bytes:%d IsSize:%v}", w.key, f, w.key, w.value, w.bytes, w.isSize)
		}
		if got := heap.Bytes(w.key); got != w.bytes {
			t.Errorf("Bytes(%q) = %d, want %d", w.key, got, w.bytes)
		}
	}
	if f, ok := heap.Get("NoSuchKey"); ok {
		t.Errorf("Get(NoSuchKey) = %+v, true", f)
	}
	if n := heap.Bytes("NoSuchKey"); n != 0 {
		t.Errorf("Bytes(NoSuchKey) = %d", n)
	}

	wantFlags := []VmFlag{
		{"rd", "readable"}, {"wr", "writeable"}, {"mr", "may read"}, {"mw", "may write"},
		{"me", "may execute"}, {"ac", "area is accountable"}, {"zz", ""}, {"sd", "soft-dirty"},
	}
	if !slices.Equal(heap.VmFlags, wantFlags) {
		t.Errorf("VmFlags:\n got %q\nwant %q", heap.VmFlags, wantFlags)
	}

	file := all[1]
	wantFile := Mapping{Start: 0x7f43474bd000, End: 0x7f43474be000, Perms: r__s, Major: 0xfe, Inode: 9978752, Path: "/tmp/a  b ", Kind: KindFileShared}
	if d := mappingDiff(file.Mapping, wantFile); d != "" {
		t.Errorf("header with spaces: %s", d)
	}
	if got := file.Bytes("Pss"); got != 2<<10 {
		t.Errorf("Pss of the file = %d, want 2048", got)
	}
	if f, ok := file.Get("FutureField"); ok {
		t.Errorf("the second entry took a field of the first: %+v", f)
	}
	if len(file.VmFlags) != 5 || file.VmFlags[4] != (VmFlag{"sh", "shared"}) {
		t.Errorf("VmFlags of the file: %q", file.VmFlags)
	}

	if FieldMeaning("Rss") == "" || FieldMeaning("FutureField") != "" {
		t.Errorf("FieldMeaning: Rss %q, FutureField %q", FieldMeaning("Rss"), FieldMeaning("FutureField"))
	}
}

func TestParseSmapsErrors(t *testing.T) {
	if _, err := ParseSmaps([]byte("Size: 4 kB\nnot a header\n")); !errors.Is(err, ErrParse) {
		t.Errorf("a line that is neither a field nor a header: %v, want ErrParse", err)
	}
	// A read error in the middle of the text is returned, not taken for
	// the end of the file.
	boom := errors.New("boom")
	text, err := os.ReadFile("testdata/smaps-future.txt")
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(io.MultiReader(strings.NewReader(string(text[:len(text)/2])), iotest.ErrReader(boom)))
	err = scanSmaps(r, func(Mapping) bool { return true }, func(*Smaps) bool { return true })
	if !errors.Is(err, boom) {
		t.Errorf("scanSmaps after a read error: %v, want boom", err)
	}
}

func TestReadSmapsFixture(t *testing.T) {
	const root, pid = "testdata/proc", 4242
	maps, err := os.ReadFile("testdata/proc/4242/maps")
	if err != nil {
		t.Fatal(err)
	}
	var p Parser
	ms, err := p.Parse(maps)
	if err != nil {
		t.Fatal(err)
	}

	all, err := ReadAllSmaps(root, pid)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(ms) {
		t.Fatalf("ReadAllSmaps: %d entries, maps has %d", len(all), len(ms))
	}
	for i, s := range all {
		if s.Mapping != ms[i] {
			t.Errorf("entry %d: %s", i, mappingDiff(s.Mapping, ms[i]))
		}
		if got := s.Bytes("Size"); got != ms[i].Size() {
			t.Errorf("entry %d: Size %d, mapping is %d bytes", i, got, ms[i].Size())
		}
	}

	for _, i := range []int{0, 3, 6, len(ms) - 1} { // first, heap, "a  b", last
		s, err := ReadSmapsAt(root, pid, ms[i].Start)
		if err != nil {
			t.Fatalf("ReadSmapsAt(%#x): %v", ms[i].Start, err)
		}
		if s.Mapping != ms[i] || !slices.Equal(s.Fields, all[i].Fields) {
			t.Errorf("ReadSmapsAt(%#x) = %s, want entry %d (%q)", ms[i].Start, format(s.Mapping), i, ms[i].Path)
		}
	}
	if got := all[3].Bytes("Rss"); got != 8<<10 {
		t.Errorf("heap Rss = %d, want 8192", got)
	}

	if _, err := ReadSmapsAt(root, pid, ms[3].Start+0x1000); err == nil || !strings.Contains(err.Error(), "0x55ceac811000") {
		t.Errorf("ReadSmapsAt inside a mapping: %v, want an error naming the address", err)
	}
	if _, err := ReadSmapsAt(root, 4243, ms[0].Start); !errors.Is(err, ErrNoProcess) {
		t.Errorf("ReadSmapsAt of a missing pid: %v, want ErrNoProcess", err)
	}
	if _, err := ReadAllSmaps(root, 4243); !errors.Is(err, ErrNoProcess) {
		t.Errorf("ReadAllSmaps of a missing pid: %v, want ErrNoProcess", err)
	}
}
