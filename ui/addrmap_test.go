package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"mapscope/procmaps"
)

// fixtureMappings returns the mappings of fixtureMaps.
func fixtureMappings(t testing.TB) []procmaps.Mapping {
	t.Helper()
	return parseMaps(t, fixtureMaps, 1).Mappings
}

// mappingIndex returns the index of the first mapping whose path is path.
func mappingIndex(t testing.TB, ms []procmaps.Mapping, path string) int {
	t.Helper()
	for i, m := range ms {
		if m.Path == path {
			return i
		}
	}
	t.Fatalf("no mapping %q", path)
	return -1
}

// amMapping returns a classified mapping of [start, end).
func amMapping(start, end uint64, perms, path string) procmaps.Mapping {
	m := procmaps.Mapping{Start: start, End: end, Path: path, Perms: procmaps.Perms{
		Read: perms[0] == 'r', Write: perms[1] == 'w', Exec: perms[2] == 'x', Shared: perms[3] == 's'}}
	if strings.HasPrefix(path, "/") {
		m.Major, m.Minor, m.Inode = 8, 2, 77
	}
	m.Kind = procmaps.Classify(m)
	return m
}

// variedMappings makes n mappings with gaps of assorted sizes between
// them, from none to gigabytes, like a big process after a long life.
func variedMappings(n int) []procmaps.Mapping {
	gaps := []uint64{0, 0, 0, 0x1000, 0x1000, 0x10000, 0x100000, 0x3000, 1 << 30, 0, 0x2000}
	sizes := []uint64{0x1000, 0x2000, 0x21000, 0x200000, 0x1000, 1 << 30, 0x5000}
	paths := []string{"", "/usr/lib/libfoo.so", "[heap]", "/dev/shm/x", ""}
	perms := []string{"rw-p", "r-xp", "r--p", "rw-s", "---p"}
	ms := make([]procmaps.Mapping, n)
	addr := uint64(0x400000)
	x := uint64(12345)
	for i := range ms {
		x = x*6364136223846793005 + 1442695040888963407
		size := sizes[(x>>33)%uint64(len(sizes))]
		ms[i] = amMapping(addr, addr+size, perms[i%len(perms)], paths[(x>>40)%uint64(len(paths))])
		if g := gaps[(x>>45)%uint64(len(gaps))]; g > 0 {
			addr += g + (x>>50)%64*0x1000 // not all of a size
		}
		addr += size
	}
	return ms
}

// checkAddrMapLayout checks the rules every layout keeps, and returns
// the lines of each region.
func checkAddrMapLayout(t *testing.T, ms []procmaps.Mapping, h int, bands []mapBand) map[int]int {
	t.Helper()
	if h <= 0 {
		if len(bands) != 0 {
			t.Fatalf("h=%d: %d bands", h, len(bands))
		}
		return nil
	}
	if len(bands) != h {
		t.Fatalf("h=%d: %d bands, want h", h, len(bands))
	}
	lines := map[int]int{}
	covered := make([]bool, len(ms))
	prev := len(ms) // the lowest mapping index above, top-down
	prevRegion := -1
	for y, b := range bands {
		if b.gap {
			if y > 0 && bands[y-1].gap && len(ms) > 0 {
				t.Fatalf("h=%d: gap lines %d and %d together", h, y-1, y)
			}
			if len(ms) > 0 && b.size == 0 {
				t.Fatalf("h=%d: line %d: an empty gap", h, y)
			}
			if len(ms) > 0 && b.label != procmaps.FormatSize(b.size)+" unmapped" {
				t.Fatalf("h=%d: line %d: gap label %q for %d bytes", h, y, b.label, b.size)
			}
			continue
		}
		if b.first < 0 || b.first > b.last || b.last >= len(ms) || b.main < b.first || b.main > b.last {
			t.Fatalf("h=%d: line %d: bad range %+v", h, y, b)
		}
		if b.last > prev {
			t.Fatalf("h=%d: line %d holds mapping %d, above it %d: not descending", h, y, b.last, prev)
		}
		if b.region != prevRegion && y > 0 && !bands[y-1].gap {
			t.Fatalf("h=%d: line %d: regions %d and %d without a gap line between", h, y, prevRegion, b.region)
		}
		if b.region == prevRegion && y > 0 && bands[y-1].gap {
			t.Fatalf("h=%d: line %d: a gap line inside region %d", h, y, b.region)
		}
		prev, prevRegion = b.first, b.region
		lines[b.region]++
		for i := b.first; i <= b.last; i++ {
			covered[i] = true
		}
	}
	for i, c := range covered {
		if !c {
			t.Fatalf("h=%d: mapping %d (%s) is on no line", h, i, ms[i].Label())
		}
	}
	return lines
}

// addrMapRegionBytes returns the mapped bytes of each region of a layout.
func addrMapRegionBytes(ms []procmaps.Mapping, bands []mapBand) map[int]uint64 {
	lo, hi := map[int]int{}, map[int]int{}
	for _, b := range bands {
		if b.gap {
			continue
		}
		if l, ok := lo[b.region]; !ok || b.first < l {
			lo[b.region] = b.first
		}
		hi[b.region] = max(hi[b.region], b.last)
	}
	out := map[int]uint64{}
	for r := range lo {
		for _, m := range ms[lo[r] : hi[r]+1] {
			out[r] += m.Size()
		}
	}
	return out
}

// TestAddrMapLayoutGapLabels checks that every gap between regions is one
// line labelled with its size, user space ending at userTop.
func TestAddrMapLayoutGapLabels(t *testing.T) {
	ms := fixtureMappings(t)
	var got []string
	for _, b := range layoutAddrMap(ms, 28) {
		if b.gap {
			got = append(got, b.label)
		}
	}
	want := []string{"11G unmapped", "781G unmapped", "24K unmapped", "996K unmapped", "4.0K unmapped",
		"1020K unmapped", "127T unmapped", "22M unmapped", "4.0M unmapped"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("gap labels top-down\n got %q\nwant %q", got, want)
	}

	// A 42 TiB hole between a program and its stack, and the hole above the
	// stack up to the end of user space.
	const hole = 42 << 40
	two := []procmaps.Mapping{
		amMapping(0x400000, 0x401000, "r-xp", "/usr/bin/demo"),
		amMapping(0x401000+hole, 0x401000+hole+0x21000, "rw-p", "[stack]"),
	}
	bands := layoutAddrMap(two, 10)
	checkAddrMapLayout(t, two, 10, bands)
	var found bool
	for _, b := range bands {
		if b.gap && b.size == hole {
			found = true
			if b.label != "42T unmapped" {
				t.Errorf("42 TiB hole labelled %q", b.label)
			}
		}
	}
	if !found {
		t.Errorf("no line for the 42 TiB hole: %+v", bands)
	}
	if top := bands[0]; !top.gap || top.size != userTop-two[1].End {
		t.Errorf("top line %+v, want the gap up to the end of user space", top)
	}
	if bottom := bands[9]; !bottom.gap || bottom.label != "4.0M unmapped" {
		t.Errorf("bottom line %+v, want the 4.0M below the program", bottom)
	}

	// [vsyscall] sits above user space: the gap below it ends at userTop.
	bands = layoutAddrMap(ms, 28)
	if v := mappingIndex(t, ms, "[vsyscall]"); !bands[0].has(v) {
		t.Errorf("top line %+v, want [vsyscall]", bands[0])
	}
	if g := bands[1]; !g.gap || g.size != userTop-ms[mappingIndex(t, ms, "[stack]")].End {
		t.Errorf("line 1 %+v, want the gap from the stack to the end of user space", g)
	}
}

// TestAddrMapLayoutOrder checks that high addresses are at the top, at
// every height: the stack above the libraries above the heap above the
// program.
func TestAddrMapLayoutOrder(t *testing.T) {
	ms := fixtureMappings(t)
	order := []string{"[vsyscall]", "[stack]", "/usr/lib/x86_64-linux-gnu/libc.so.6", "[heap]", "/usr/bin/demo"}
	for h := 1; h <= 100; h++ {
		bands := layoutAddrMap(ms, h)
		checkAddrMapLayout(t, ms, h, bands)
		last := -1
		for _, p := range order {
			i := mappingIndex(t, ms, p)
			y := 0
			for y < len(bands) && !bands[y].has(i) {
				y++
			}
			if y < last {
				t.Fatalf("h=%d: %s on line %d, above the line before it (%d)", h, p, y, last)
			}
			last = y
		}
	}
}

// TestAddrMapLayoutProportions checks the share of lines at several
// heights: every region has a line, a region with more bytes never has
// fewer lines, and all lines are used.
func TestAddrMapLayoutProportions(t *testing.T) {
	inputs := map[string][]procmaps.Mapping{
		"fixture": fixtureMappings(t),
		"varied":  variedMappings(1000),
		"65k":     syntheticSnapshot(65000).Mappings,
	}
	for name, ms := range inputs {
		for _, h := range []int{1, 2, 3, 5, 10, 40, 80} {
			t.Run(fmt.Sprintf("%s_h%d", name, h), func(t *testing.T) {
				bands := layoutAddrMap(ms, h)
				lines := checkAddrMapLayout(t, ms, h, bands)
				bytes := addrMapRegionBytes(ms, bands)
				for a := range bytes {
					if lines[a] < 1 {
						t.Errorf("region %d has no line", a)
					}
					for b := range bytes {
						if bytes[a] > bytes[b] && lines[a] < lines[b] {
							t.Errorf("region %d (%d bytes) has %d lines, region %d (%d bytes) %d",
								a, bytes[a], lines[a], b, bytes[b], lines[b])
						}
					}
				}
				if name == "varied" && h >= 40 && len(bytes) < 5 {
					t.Errorf("%d regions on %d lines: the large gaps should split", len(bytes), h)
				}
			})
		}
	}

	// The fixture at 40 lines: every gap of the fixture has its line, and
	// the spare lines go to the biggest regions.
	ms := inputs["fixture"]
	bands := layoutAddrMap(ms, 40)
	lines := checkAddrMapLayout(t, ms, 40, bands)
	if len(lines) != 9 {
		t.Errorf("%d regions at h=40, want the fixture's 9", len(lines))
	}
	heap := mappingIndex(t, ms, "[heap]")
	worker := mappingIndex(t, ms, "[anon:worker stack]")
	var heapR, workerR int
	for _, b := range bands {
		if b.has(heap) {
			heapR = b.region
		}
		if b.has(worker) {
			workerR = b.region
		}
	}
	if lines[workerR] <= lines[heapR] || lines[heapR] < 2 {
		t.Errorf("10M worker region has %d lines, 132K heap %d", lines[workerR], lines[heapR])
	}

	// 65,000 mappings 4K apart: equal gaps are split all or none, so they
	// are one region filling the strip.
	big := inputs["65k"]
	bands = layoutAddrMap(big, 60)
	if lines := checkAddrMapLayout(t, big, 60, bands); len(lines) != 1 || lines[0] != 58 || !bands[0].gap || !bands[59].gap {
		t.Errorf("65k: regions %v, want one of 58 lines between the gaps above and below", lines)
	}
}

// addrMapLines renders the map and returns its lines, styling stripped.
func addrMapLines(a *addrMap, st *Styles, ms []procmaps.Mapping, sel, w, h int) []string {
	return strings.Split(ansi.Strip(a.View(st, ms, sel, w, h)), "\n")
}

// TestAddrMapSelection checks that the lines of the selected mapping, and
// only those, are marked, and that the mark names it.
func TestAddrMapSelection(t *testing.T) {
	ms := fixtureMappings(t)
	st := newStyles("dark", true, false)
	var a addrMap
	for sel := range ms {
		lines := addrMapLines(&a, &st, ms, sel, 24, 30)
		named := false
		for y, l := range lines {
			marked := strings.HasPrefix(l, "▶")
			_, ok := a.rowAt(y)
			if y == 0 || y == len(lines)-1 {
				if marked || ok {
					t.Fatalf("sel %d: address line %d %q is marked or selectable", sel, y, l)
				}
				continue
			}
			band := a.bands[y-1]
			if marked != band.has(sel) {
				t.Fatalf("sel %d: line %d %q marked=%v, band %+v", sel, y, l, marked, band)
			}
			if marked && !ok {
				t.Fatalf("sel %d: marked line %d has no mapping", sel, y)
			}
			if marked && !band.cont && strings.Contains(l, shortName(ms[sel])[:min(5, len(shortName(ms[sel])))]) {
				named = true
			}
		}
		if !named {
			t.Errorf("sel %d (%s): no marked line names it:\n%s", sel, ms[sel].Label(), strings.Join(lines, "\n"))
		}
	}
	for _, sel := range []int{-1, len(ms)} {
		if out := strings.Join(addrMapLines(&a, &st, ms, sel, 24, 30), "\n"); strings.Contains(out, "▶") {
			t.Errorf("sel %d: a line is marked:\n%s", sel, out)
		}
	}
}

// TestAddrMapRowAt checks that a click on a line selects a mapping drawn
// on it, whose line is then the one marked.
func TestAddrMapRowAt(t *testing.T) {
	ms := fixtureMappings(t)
	st := newStyles("dark", true, false)
	var a addrMap
	lines := addrMapLines(&a, &st, ms, -1, 20, 30)
	if len(lines) != 30 {
		t.Fatalf("%d lines", len(lines))
	}
	regions := 0
	for y := range lines {
		i, ok := a.rowAt(y)
		if y == 0 || y == 29 || a.bands[y-1].gap {
			if ok {
				t.Errorf("line %d %q: rowAt = %d, want none", y, lines[y], i)
			}
			continue
		}
		regions++
		b := a.bands[y-1]
		if !ok || !b.has(i) {
			t.Fatalf("line %d %q: rowAt = %d, %v; band %+v", y, lines[y], i, ok, b)
		}
		for j := b.first; j <= b.last; j++ {
			if ms[j].Size() > ms[i].Size() {
				t.Errorf("line %d: rowAt = %d, but %d is larger", y, i, j)
			}
		}
		again := addrMapLines(&a, &st, ms, i, 20, 30)
		if !strings.HasPrefix(again[y], "▶") {
			t.Errorf("line %d selects %d, which is not marked on it:\n%s", y, i, strings.Join(again, "\n"))
		}
	}
	if regions == 0 {
		t.Fatal("no region lines")
	}
	for _, y := range []int{-1, 30, 1000} {
		if i, ok := a.rowAt(y); ok {
			t.Errorf("rowAt(%d) = %d", y, i)
		}
	}
	// With the [heap] line at y, rowAt(y) is the heap.
	heap := mappingIndex(t, ms, "[heap]")
	for y, l := range lines {
		if strings.Contains(l, "[heap]") {
			if i, ok := a.rowAt(y); !ok || i != heap {
				t.Errorf("rowAt on %q = %d, %v, want %d", l, i, ok, heap)
			}
		}
	}
}

// TestAddrMapNoPanic renders every size from 0×0 to 40×100 for an empty
// and a one-mapping snapshot, and every height at some widths for odder
// ones, in colour and without: always h lines of w cells.
func TestAddrMapNoPanic(t *testing.T) {
	inputs := map[string][]procmaps.Mapping{
		"empty":     nil,
		"one":       {amMapping(0x1000, 0x2000, "rw-p", "[heap]")},
		"at zero":   {amMapping(0, 0x1000, "r--p", "")},
		"vsyscall":  {amMapping(0xffffffffff600000, 0xffffffffff601000, "--xp", "[vsyscall]")},
		"fixture":   fixtureMappings(t),
		"user top":  {amMapping(userTop-0x1000, userTop, "rw-p", "[stack]")},
		"unordered": {amMapping(0x5000, 0x6000, "rw-p", ""), amMapping(0x1000, 0x9000, "rw-p", "")},
	}
	styles := []Styles{newStyles("dark", true, false), newStyles("", true, true)}
	for name, ms := range inputs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			addrMapNoPanic(t, styles, name, ms)
		})
	}
}

// addrMapNoPanic renders ms at many sizes and checks the shape of the result.
func addrMapNoPanic(t *testing.T, styles []Styles, name string, ms []procmaps.Mapping) {
	widths := []int{0, 1, 3, 4, 5, 8, 13, 14, 16, 18, 20, 24, 40}
	if name == "empty" || name == "one" {
		widths = widths[:0]
		for w := 0; w <= 40; w++ {
			widths = append(widths, w)
		}
	}
	for h := 0; h <= 100; h++ {
		for _, w := range widths {
			st := &styles[(h+w)%2]
			var a addrMap
			out := a.View(st, ms, (w*h)%(len(ms)+1)-1, w, h)
			if h == 0 {
				if out != "" {
					t.Fatalf("%s %dx%d: %q, want nothing", name, w, h, out)
				}
				continue
			}
			lines := strings.Split(out, "\n")
			if len(lines) != h {
				t.Fatalf("%s %dx%d: %d lines", name, w, h, len(lines))
			}
			for y, l := range lines {
				if ansi.StringWidth(l) != w {
					t.Fatalf("%s %dx%d: line %d %q is %d wide", name, w, h, y, ansi.Strip(l), ansi.StringWidth(l))
				}
			}
			for y := -1; y <= h; y++ {
				if i, ok := a.rowAt(y); ok && (i < 0 || i >= len(ms)) {
					t.Fatalf("%s %dx%d: rowAt(%d) = %d", name, w, h, y, i)
				}
			}
		}
	}
}

// TestAddrMapNoColor checks that without colour each kind is named by a
// letter on its bar.
func TestAddrMapNoColor(t *testing.T) {
	ms := fixtureMappings(t)
	st := newStyles("", true, true)
	var a addrMap
	out := a.View(&st, ms, -1, 20, 30)
	if strings.Contains(out, "38;") || strings.Contains(out, "48;") {
		t.Errorf("NO_COLOR map has colours: %q", out)
	}
	text := ansi.Strip(out)
	for _, want := range []string{" HHH [heap]", " SSS [stack]", " VVV [vsyscall]", " ░░░ 127T unmapped"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in\n%s", want, text)
		}
	}
	for _, k := range procmaps.Kinds() {
		for _, o := range procmaps.Kinds() {
			if k != o && kindLetter(k) == kindLetter(o) {
				t.Errorf("kinds %s and %s share the letter %s", k, o, kindLetter(k))
			}
		}
	}
}

// TestAddrMapGolden compares the text of the strip (styling stripped) with
// testdata/TestAddrMapGolden/*.golden. Regenerate them with
//
//	go test ./ui -run TestAddrMapGolden -update
func TestAddrMapGolden(t *testing.T) {
	ms := fixtureMappings(t)
	heap := mappingIndex(t, ms, "[heap]")
	libc := mappingIndex(t, ms, "/usr/lib/x86_64-linux-gnu/libc.so.6") + 1 // the code
	cases := []struct {
		name    string
		noColor bool
		sel     int
		w, h    int
	}{
		{"fixture_20x30", false, heap, 20, 30},
		{"no_color_20x30", true, libc, 20, 30},
		{"fixture_14x12", false, libc, 14, 12},
		{"fixture_24x80", false, heap, 24, 80},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := newStyles("dark", true, c.noColor)
			var a addrMap
			golden.RequireEqual(t, ansi.Strip(a.View(&st, ms, c.sel, c.w, c.h)))
		})
	}
}

// benchAddrMap measures frames of the map of snapshots at 20×60, the
// selection moving. Each frame shows the next of snaps: with two or more,
// every frame is the first after a refresh and lays the map out again.
func benchAddrMap(b *testing.B, snaps ...[]procmaps.Mapping) {
	st := newStyles("dark", true, false)
	var a addrMap
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ms := snaps[i%len(snaps)]
		_ = a.View(&st, ms, i*97%len(ms), 20, 60)
		i++
	}
}

// BenchmarkAddrMap65k measures a frame of the map of 65,000 mappings
// (ui/bench_test.go's syntheticSnapshot) after each refresh: the layout
// and the drawing. The budget is 2 ms a frame.
func BenchmarkAddrMap65k(b *testing.B) {
	benchAddrMap(b, syntheticSnapshot(65000).Mappings, syntheticSnapshot(65000).Mappings)
}

// BenchmarkAddrMap65kVaried is BenchmarkAddrMap65k with gaps of assorted
// sizes, so the strip has many regions.
func BenchmarkAddrMap65kVaried(b *testing.B) {
	benchAddrMap(b, variedMappings(65000), variedMappings(65000))
}

// BenchmarkAddrMap65kCached measures the frames between refreshes: the
// same snapshot, the selection moving, the layout reused.
func BenchmarkAddrMap65kCached(b *testing.B) {
	benchAddrMap(b, syntheticSnapshot(65000).Mappings)
}

// BenchmarkAddrMapLayout65k measures the pure layout function alone,
// allocating its scratch space each time.
func BenchmarkAddrMapLayout65k(b *testing.B) {
	ms := variedMappings(65000)
	b.ReportAllocs()
	for b.Loop() {
		_ = layoutAddrMap(ms, 58)
	}
}
