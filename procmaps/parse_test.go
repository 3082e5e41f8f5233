package procmaps

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/prometheus/procfs"
)

// kernelLine prints a name after a maps header the way fs/proc/task_mmu.c
// does: seq_setwidth(m, 25 + sizeof(void *)*6 - 1) before the header, then
// seq_pad(m, ' ') pads with spaces to column 72 and adds one more, so the
// name starts at column 73 (or after one space when the header is longer).
// The header itself ends with the space after the inode.
// TestParseRoundTripsTheKernelsText checks this against a real maps file.
func kernelLine(header, name string) string {
	const width = 25 + 8*6 - 1
	header += " "
	if len(header) < width {
		header += strings.Repeat(" ", width-len(header))
	}
	return header + " " + name
}

// format writes m back as the kernel prints it:
// "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu " and the padded name.
func format(m Mapping) string {
	header := fmt.Sprintf("%08x-%08x %s %08x %02x:%02x %d", m.Start, m.End, m.Perms, m.Offset, m.Major, m.Minor, m.Inode)
	if m.Path == "" {
		return header + " "
	}
	return kernelLine(header, m.Path)
}

// mappingDiff lists the fields in which got differs from want.
func mappingDiff(got, want Mapping) string {
	var d []string
	add := func(field string, g, w any) {
		d = append(d, fmt.Sprintf("%s = %v, want %v", field, g, w))
	}
	if got.Start != want.Start {
		add("Start", fmt.Sprintf("%#x", got.Start), fmt.Sprintf("%#x", want.Start))
	}
	if got.End != want.End {
		add("End", fmt.Sprintf("%#x", got.End), fmt.Sprintf("%#x", want.End))
	}
	if got.Perms != want.Perms {
		add("Perms", got.Perms, want.Perms)
	}
	if got.Offset != want.Offset {
		add("Offset", fmt.Sprintf("%#x", got.Offset), fmt.Sprintf("%#x", want.Offset))
	}
	if got.Major != want.Major || got.Minor != want.Minor {
		add("Dev", got.Dev(), want.Dev())
	}
	if got.Inode != want.Inode {
		add("Inode", got.Inode, want.Inode)
	}
	if got.Path != want.Path {
		add("Path", fmt.Sprintf("%q", got.Path), fmt.Sprintf("%q", want.Path))
	}
	if got.Kind != want.Kind {
		add("Kind", got.Kind, want.Kind)
	}
	return strings.Join(d, "; ")
}

var (
	r__p = Perms{Read: true}
	r_xp = Perms{Read: true, Exec: true}
	rw_p = Perms{Read: true, Write: true}
	r__s = Perms{Read: true, Shared: true}
	rw_s = Perms{Read: true, Write: true, Shared: true}
	__xp = Perms{Exec: true}
	___p = Perms{}
)

func TestParseLine(t *testing.T) {
	const (
		s = 0x7f43474bd000
		e = 0x7f43474be000
	)
	file := func(perms Perms, path string, kind Kind) Mapping {
		return Mapping{Start: s, End: e, Perms: perms, Major: 0xfe, Inode: 9978752, Path: path, Kind: kind}
	}
	anon := func(perms Perms, path string, kind Kind) Mapping {
		return Mapping{Start: s, End: e, Perms: perms, Path: path, Kind: kind}
	}
	const fileHeader = "7f43474bd000-7f43474be000 r--s 00000000 fe:00 9978752"
	const anonHeader = "7f43474bd000-7f43474be000 rw-p 00000000 00:00 0"
	tests := []struct {
		name    string
		line    string
		want    Mapping
		deleted bool
	}{
		{"one space", kernelLine(fileHeader, "/tmp/a b"), file(r__s, "/tmp/a b", KindFileShared), false},
		{"two spaces", kernelLine(fileHeader, "/tmp/a  b"), file(r__s, "/tmp/a  b", KindFileShared), false},
		{"trailing space", kernelLine(fileHeader, "/tmp/x "), file(r__s, "/tmp/x ", KindFileShared), false},
		{"only spaces after the slash", kernelLine(fileHeader, "/   "), file(r__s, "/   ", KindFileShared), false},
		{"newline escape kept", kernelLine(fileHeader, `/tmp/new\012line`), file(r__s, "/tmp/new\\012line", KindFileShared), false},
		{"not UTF-8", kernelLine(fileHeader, "/tmp/bad\xff\xfe"), file(r__s, "/tmp/bad\xff\xfe", KindFileShared), false},
		{"deleted", kernelLine(fileHeader, "/tmp/del (deleted)"), file(r__s, "/tmp/del (deleted)", KindDeleted), true},
		{
			"deleted shm",
			kernelLine("7f43474bd000-7f43474be000 rw-s 00000000 00:1b 2", "/dev/shm/x (deleted)"),
			Mapping{Start: s, End: e, Perms: rw_s, Minor: 0x1b, Inode: 2, Path: "/dev/shm/x (deleted)", Kind: KindShm},
			true,
		},
		{
			"memfd",
			kernelLine("7f43474bd000-7f43474be000 r--s 00000000 00:01 1027", "/memfd:mfd (deleted)"),
			Mapping{Start: s, End: e, Perms: r__s, Minor: 1, Inode: 1027, Path: "/memfd:mfd (deleted)", Kind: KindShm},
			true,
		},
		{
			// MAP_SHARED|MAP_ANONYMOUS is shmem: the kernel names it after
			// /dev/zero, unlinked, on its internal mount (dev 00:01).
			"shared anonymous",
			kernelLine("7f43474bd000-7f43474be000 rw-s 00000000 00:01 1026", "/dev/zero (deleted)"),
			Mapping{Start: s, End: e, Perms: rw_s, Minor: 1, Inode: 1026, Path: "/dev/zero (deleted)", Kind: KindAnonShared},
			true,
		},
		{
			"named shared anonymous",
			kernelLine("7f43474bd000-7f43474be000 rw-s 00000000 00:01 1026", "[anon_shmem:ring]"),
			Mapping{Start: s, End: e, Perms: rw_s, Minor: 1, Inode: 1026, Path: "[anon_shmem:ring]", Kind: KindAnonShared},
			false,
		},
		{"anon name", kernelLine(anonHeader, "[anon:my arena]"), anon(rw_p, "[anon:my arena]", KindAnonPrivate), false},
		{"stack", kernelLine(anonHeader, "[stack]"), anon(rw_p, "[stack]", KindStack), false},
		{"heap", kernelLine(anonHeader, "[heap]"), anon(rw_p, "[heap]", KindHeap), false},
		{
			"vdso",
			kernelLine("7f43474bd000-7f43474be000 r-xp 00000000 00:00 0", "[vdso]"),
			anon(r_xp, "[vdso]", KindSpecial),
			false,
		},
		{
			"vvar",
			kernelLine("7f43474bd000-7f43474be000 r--p 00000000 00:00 0", "[vvar]"),
			anon(r__p, "[vvar]", KindSpecial),
			false,
		},
		{
			"vsyscall",
			"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
			Mapping{Start: 0xffffffffff600000, End: 0xffffffffff601000, Perms: __xp, Path: "[vsyscall]", Kind: KindSpecial},
			false,
		},
		{
			"32-bit addresses",
			"08048000-08049000 r-xp 00000000 03:0c 64593                              /usr/sbin/gpm",
			Mapping{Start: 0x08048000, End: 0x08049000, Perms: r_xp, Major: 3, Minor: 0xc, Inode: 64593, Path: "/usr/sbin/gpm", Kind: KindCode},
			false,
		},
		{
			"library data with offset",
			kernelLine("7fb4a89e8000-7fb4a89ea000 rw-p 001d3000 fe:00 326269", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
			Mapping{Start: 0x7fb4a89e8000, End: 0x7fb4a89ea000, Perms: rw_p, Offset: 0x1d3000, Major: 0xfe, Inode: 326269,
				Path: "/usr/lib/x86_64-linux-gnu/libc.so.6", Kind: KindData},
			false,
		},
		{
			"library rodata",
			kernelLine("7fb4a8815000-7fb4a883b000 r--p 00000000 fe:00 326269", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
			Mapping{Start: 0x7fb4a8815000, End: 0x7fb4a883b000, Perms: r__p, Major: 0xfe, Inode: 326269,
				Path: "/usr/lib/x86_64-linux-gnu/libc.so.6", Kind: KindRodata},
			false,
		},
		{
			"three-digit major, big inode, long header",
			kernelLine("7f43474bd000-7f43474be000 r--s 00001000 103:02 1234567890123", "/data/x"),
			Mapping{Start: s, End: e, Perms: r__s, Offset: 0x1000, Major: 0x103, Minor: 2, Inode: 1234567890123, Path: "/data/x", Kind: KindFileShared},
			false,
		},
		{"anonymous, trailing space", anonHeader + " ", anon(rw_p, "", KindAnonPrivate), false},
		{"anonymous, no trailing space", anonHeader, anon(rw_p, "", KindAnonPrivate), false},
		{"guard", "7f43474bd000-7f43474be000 ---p 00000000 00:00 0 ", anon(___p, "", KindGuard), false},
		{
			"guard inside a library",
			kernelLine("7f43474bd000-7f43474be000 ---p 001cf000 fe:00 326269", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
			Mapping{Start: s, End: e, Perms: ___p, Offset: 0x1cf000, Major: 0xfe, Inode: 326269,
				Path: "/usr/lib/x86_64-linux-gnu/libc.so.6", Kind: KindGuard},
			false,
		},
		{"upper-case hex", "7F43474BD000-7F43474BE000 rw-p 00000000 00:00 0 ", anon(rw_p, "", KindAnonPrivate), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLine([]byte(tc.line))
			if err != nil {
				t.Fatalf("ParseLine(%q): %v", tc.line, err)
			}
			if d := mappingDiff(got, tc.want); d != "" {
				t.Errorf("ParseLine(%q): %s", tc.line, d)
			}
			if got.Deleted() != tc.deleted {
				t.Errorf("Deleted() = %v, want %v", got.Deleted(), tc.deleted)
			}
			// The same line inside a file, through a Parser.
			var p Parser
			ms, err := p.Parse([]byte(tc.line + "\n"))
			if err != nil || len(ms) != 1 || ms[0] != got {
				t.Errorf("Parse = %+v, %v; want the one mapping ParseLine gave", ms, err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	if m, err := ParseLine([]byte("7f43474bd000-7f43474be000 rw-p 00000000 00:00 0 \n7f43474be000-7f43474bf000 rw-p 00000000 00:00 0 ")); !errors.Is(err, ErrParse) {
		t.Errorf("ParseLine of two lines = %+v, %v; want ErrParse", m, err)
	}

	tests := []struct {
		name, line string
	}{
		{"empty", ""},
		{"bad start hex", "7f4g474bd000-7f43474be000 rw-p 00000000 00:00 0 "},
		{"bad end hex", "7f43474bd000-7f43474bz000 rw-p 00000000 00:00 0 "},
		{"no dash", "7f43474bd000 rw-p 00000000 00:00 0 "},
		{"empty start", "-7f43474be000 rw-p 00000000 00:00 0 "},
		{"seventeen digits", "17f43474bd0000000-17f43474be0000000 rw-p 00000000 00:00 0 "},
		{"end before start", "7f43474be000-7f43474bd000 rw-p 00000000 00:00 0 "},
		{"bad perms", "7f43474bd000-7f43474be000 rwxq 00000000 00:00 0 "},
		{"perms letter in the wrong place", "7f43474bd000-7f43474be000 wr-p 00000000 00:00 0 "},
		{"short perms", "7f43474bd000-7f43474be000 rw 00000000 00:00 0 "},
		{"only addresses", "7f43474bd000-7f43474be000"},
		{"missing offset", "7f43474bd000-7f43474be000 rw-p "},
		{"bad offset", "7f43474bd000-7f43474be000 rw-p 0000000g 00:00 0 "},
		{"missing device", "7f43474bd000-7f43474be000 rw-p 00000000 "},
		{"device without colon", "7f43474bd000-7f43474be000 rw-p 00000000 0000 0 "},
		{"bad minor", "7f43474bd000-7f43474be000 rw-p 00000000 00:0x 0 "},
		{"missing inode", "7f43474bd000-7f43474be000 rw-p 00000000 00:00"},
		{"missing inode after space", "7f43474bd000-7f43474be000 rw-p 00000000 00:00 "},
		{"bad inode", "7f43474bd000-7f43474be000 rw-p 00000000 00:00 12a /x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseLine([]byte(tc.line))
			if !errors.Is(err, ErrParse) {
				t.Fatalf("ParseLine(%q) = %+v, %v; want an error wrapping ErrParse", tc.line, m, err)
			}
			good := "7f43474bc000-7f43474bd000 rw-p 00000000 00:00 0 \n"
			var p Parser
			_, err = p.Parse([]byte(good + good + tc.line + "\n" + good))
			if !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), "line 3:") {
				t.Errorf("Parse: %v; want an error wrapping ErrParse at line 3", err)
			}
		})
	}
}

// TestParseRoundTripsTheKernelsText parses real maps text and prints it
// back in the kernel's format: every byte must come back, so no field,
// space or odd byte of a name was lost. testdata/maps-odd-names.txt is
// /proc/<pid>/maps of a C program (Linux 6.18) that mapped files named
// "a  b", "x ", "new<LF>line", "bad\xff\xfe", an unlinked file, a deleted
// /dev/shm object, a memfd, shared and private /dev/zero and a guard page.
func TestParseRoundTripsTheKernelsText(t *testing.T) {
	odd, err := os.ReadFile("testdata/maps-odd-names.txt")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string][]byte{"testdata/maps-odd-names.txt": odd, "/proc/self/maps": self} {
		var p Parser
		ms, err := p.Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
		if len(ms) != len(lines) {
			t.Fatalf("%s: %d mappings from %d lines", name, len(ms), len(lines))
		}
		for i, m := range ms {
			if got := format(m); got != lines[i] {
				t.Errorf("%s line %d:\n got %q\nwant %q", name, i+1, got, lines[i])
			}
		}
		if err := checkOrder(ms); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	var p Parser
	ms, _ := p.Parse(odd)
	want := map[string]Kind{
		"/tmp/pm/a  b":          KindFileShared,
		"/tmp/pm/x ":            KindFileShared,
		`/tmp/pm/new\012line`:   KindFileShared,
		"/tmp/pm/bad\xff\xfe":   KindFileShared,
		"/tmp/pm/del (deleted)": KindDeleted,
		"/dev/shm/x (deleted)":  KindShm,
		"/memfd:mfd (deleted)":  KindShm,
		"/dev/zero (deleted)":   KindAnonShared,
		"[heap]":                KindHeap,
		"[stack]":               KindStack,
		"[vdso]":                KindSpecial,
		"[vsyscall]":            KindSpecial,
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if k, ok := want[m.Path]; ok {
			seen[m.Path] = true
			if m.Kind != k {
				t.Errorf("%q: Kind %v, want %v", m.Path, m.Kind, k)
			}
		}
	}
	for path := range want {
		if !seen[path] {
			t.Errorf("no mapping of %q in the fixture", path)
		}
	}
}

// generateMaps returns n lines of maps text in the kernel's format, cycling
// through an anonymous mapping, a library mapping and a named one.
func generateMaps(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		start := uint64(0x10000000) + uint64(i)*0x2000
		end := start + 0x1000
		header := func(perms string, offset uint64, dev string, inode int) string {
			return fmt.Sprintf("%08x-%08x %s %08x %s %d", start, end, perms, offset, dev, inode)
		}
		switch i % 3 {
		case 0:
			b.WriteString(header("rw-p", 0, "00:00", 0) + " ")
		case 1:
			b.WriteString(kernelLine(header("r-xp", uint64(i)*0x1000, "fe:00", 326269), "/usr/lib/x86_64-linux-gnu/lib with  spaces.so"))
		case 2:
			b.WriteString(kernelLine(header("r--p", 0, "00:00", 0), fmt.Sprintf("[anon:arena %d]", i%7)))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func TestParseLargeFile(t *testing.T) {
	const n = 65530 // vm.max_map_count's default
	text := generateMaps(n)
	var p Parser
	ms, err := p.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != n {
		t.Fatalf("%d mappings, want %d", len(ms), n)
	}
	first := Mapping{Start: 0x10000000, End: 0x10001000, Perms: rw_p, Kind: KindAnonPrivate}
	if d := mappingDiff(ms[0], first); d != "" {
		t.Errorf("first: %s", d)
	}
	// 65529 % 3 == 0: the last line is anonymous, ending in "0 ".
	last := Mapping{Start: 0x10000000 + 65529*0x2000, End: 0x10000000 + 65529*0x2000 + 0x1000, Perms: rw_p, Kind: KindAnonPrivate}
	if d := mappingDiff(ms[n-1], last); d != "" {
		t.Errorf("last: %s", d)
	}
	lib := Mapping{Start: 0x10000000 + 65527*0x2000, End: 0x10000000 + 65527*0x2000 + 0x1000, Perms: r_xp, Offset: 65527 * 0x1000,
		Major: 0xfe, Inode: 326269, Path: "/usr/lib/x86_64-linux-gnu/lib with  spaces.so", Kind: KindCode}
	if d := mappingDiff(ms[n-3], lib); d != "" {
		t.Errorf("last library line: %s", d)
	}
	if err := checkOrder(ms); err != nil {
		t.Error(err)
	}
	// The same path on every library line is one string.
	if a, b := ms[1].Path, ms[4].Path; a != b || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Errorf("library paths %q and %q are separate strings; the Parser should intern them", a, b)
	}
}

// TestParseKeepsSpacesUnlikeProcfs reads one fixture proc tree with
// procfs.ProcMaps and with our Parser: procfs splits the line on
// whitespace and joins the name back with single spaces, so a file named
// "a  b" comes back as "a b" and "x " as "x". That is why Parser exists.
func TestParseKeepsSpacesUnlikeProcfs(t *testing.T) {
	const root, pid = "testdata/proc", 4242
	text, err := os.ReadFile(filepath.Join(root, "4242", "maps"))
	if err != nil {
		t.Fatal(err)
	}
	// Guard the fixture against editors that strip trailing spaces.
	if !bytes.Contains(text, []byte("/tmp/x \n")) || !bytes.Contains(text, []byte("/tmp/a  b\n")) {
		t.Fatal("fixture lost its spaces: testdata/proc/4242/maps must name \"/tmp/x \" and \"/tmp/a  b\"")
	}
	fs, err := procfs.NewFS(root)
	if err != nil {
		t.Fatal(err)
	}
	proc, err := fs.Proc(pid)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := proc.ProcMaps()
	if err != nil {
		t.Fatal(err)
	}
	var p Parser
	ours, err := p.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(theirs) != len(ours) {
		t.Fatalf("procfs read %d mappings, we read %d", len(theirs), len(ours))
	}
	tests := []struct {
		real, procfs string
	}{
		{"/tmp/x ", "/tmp/x"},
		{"/tmp/a  b", "/tmp/a b"},
		{"/opt/my  app/bin", "/opt/my app/bin"},
	}
	for _, tc := range tests {
		i := slices.IndexFunc(ours, func(m Mapping) bool { return m.Path == tc.real })
		if i < 0 {
			t.Errorf("our Parser has no mapping named %q", tc.real)
			continue
		}
		if got := theirs[i].Pathname; got != tc.procfs {
			t.Errorf("procfs named %q %q, want the lossy %q (if procfs keeps spaces now, revisit Parser's doc)", tc.real, got, tc.procfs)
		}
		if uint64(theirs[i].StartAddr) != ours[i].Start {
			t.Errorf("line %d: procfs start %#x, ours %#x", i+1, theirs[i].StartAddr, ours[i].Start)
		}
	}
}

// TestParseChangedMatchesParse checks the refresh shortcut: parsing a new
// text by copying the lines it shares with the previous one must give
// exactly what a full Parse gives, whatever the edit.
func TestParseChangedMatchesParse(t *testing.T) {
	lines := strings.SplitAfter(string(generateMaps(300)), "\n")
	lines = lines[:len(lines)-1] // the empty string after the last newline
	join := func(ls ...[]string) string { return strings.Join(slices.Concat(ls...), "") }
	other := func(i int) string { // a line that fits between lines i and i+1
		return fmt.Sprintf("%08x-%08x r--p 00000000 00:00 0 \n", 0x10000000+uint64(i)*0x2000+0x1000, 0x10000000+uint64(i)*0x2000+0x1800)
	}
	changedPerms := strings.Replace(lines[151], "r-xp", "rwxp", 1) // a library line
	all := join(lines)
	tests := []struct{ name, prev, text string }{
		{"identical", all, all},
		{"first line changed", all, join([]string{strings.Replace(lines[0], "rw-p", "r--p", 1)}, lines[1:])},
		{"middle line changed", all, join(lines[:151], []string{changedPerms}, lines[152:])},
		{"last line changed", all, join(lines[:299], []string{strings.Replace(lines[299], "r--p", "rw-p", 1)})},
		{"inserted first", join(lines[1:]), all},
		{"inserted in the middle", all, join(lines[:100], []string{other(99)}, lines[100:])},
		{"inserted last", all, join(lines, []string{"fffff000-fffff800 rw-p 00000000 00:00 0 \n"})},
		{"deleted first", all, join(lines[1:])},
		{"deleted in the middle", all, join(lines[:100], lines[200:])},
		{"deleted last", all, join(lines[:299])},
		{"one line left", all, lines[42]},
		{"everything else", join(lines[:10]), join(lines[10:])},
		{"line repeated", all, join(lines[:100], lines[99:])},
		{"same name, other line", all, join(lines[:4], []string{lines[1]}, lines[5:])},
		{"no final newline", all, strings.TrimSuffix(all, "\n")},
		{"no final newline before", strings.TrimSuffix(all, "\n"), all},
		{"empty", all, ""},
		{"from empty", "", all},
		{"malformed in the middle", all, join(lines[:150], []string{"garbage\n"}, lines[151:])},
		{"malformed last", all, join(lines[:299], []string{"garbage"})},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		ls := slices.Clone(lines)
		for range 1 + rng.IntN(3) {
			at := rng.IntN(len(ls))
			switch rng.IntN(3) {
			case 0:
				ls = slices.Delete(ls, at, min(at+1+rng.IntN(5), len(ls)))
			case 1:
				ls = slices.Insert(ls, at, lines[rng.IntN(len(lines))])
			case 2:
				ls[at] = strings.Replace(ls[at], "p ", "s ", 1)
			}
			if len(ls) == 0 {
				ls = lines[:1]
			}
		}
		tests = append(tests, struct{ name, prev, text string }{fmt.Sprintf("random %d", i), all, join(ls)})
	}

	for _, tc := range tests {
		var full, short Parser
		prev, err := full.Parse([]byte(tc.prev))
		if err != nil {
			t.Fatalf("%s: previous text: %v", tc.name, err)
		}
		want, wantErr := full.Parse([]byte(tc.text))
		got, lo, hi, err := short.parseChanged([]byte(tc.text), []byte(tc.prev), prev)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: error %v, Parse says %v", tc.name, err, wantErr)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d mappings differ from Parse's %d", tc.name, len(got), len(want))
			continue
		}
		if err == nil && (lo < 0 || lo > hi || hi > len(got)) {
			t.Errorf("%s: parsed range [%d,%d) of %d", tc.name, lo, hi, len(got))
		}
		// One line differs: it and at most the line after it are parsed
		// (the shared tail starts after a newline of its own).
		if tc.name == "middle line changed" && (hi-lo < 1 || hi-lo > 2 || lo != 151) {
			t.Errorf("%s: parsed lines [%d,%d), want [151,152) or [151,153)", tc.name, lo, hi)
		}
	}
}

// A Mapping is 64 bytes: a refresh of a 64k-mapping process allocates,
// copies and compares 64k of them, and 72 bytes (Kind after Path) made
// BenchmarkRefresh64k's changed case about a fifth slower.
func TestMappingSize(t *testing.T) {
	if size := unsafe.Sizeof(Mapping{}); size != 64 {
		t.Errorf("a Mapping is %d bytes, want 64: keep the small fields together", size)
	}
}
