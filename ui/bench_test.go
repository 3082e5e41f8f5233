package ui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"

	"mapscope/procmaps"
)

// syntheticSnapshot makes n mappings of assorted kinds, like a process
// that mapped many small regions.
func syntheticSnapshot(n int) *procmaps.Snapshot {
	paths := []string{"", "/usr/lib/x86_64-linux-gnu/libc.so.6", "[heap]", "/dev/shm/my_data", "/home/ada/data/very/long/path/to/a/mapped/file.bin"}
	perms := []procmaps.Perms{{Read: true, Write: true}, {Read: true, Exec: true}, {Read: true}, {Read: true, Write: true, Shared: true}, {}}
	ms := make([]procmaps.Mapping, n)
	for i := range ms {
		start := uint64(0x7f0000000000) + uint64(i)*0x3000
		m := procmaps.Mapping{Start: start, End: start + 0x2000, Perms: perms[i%len(perms)], Path: paths[i%len(paths)]}
		if m.Path != "" && m.Path[0] == '/' {
			m.Major, m.Minor, m.Inode, m.Offset = 8, 2, uint64(1000+i), uint64(i)*0x1000
		}
		m.Kind = procmaps.Classify(m)
		ms[i] = m
	}
	return &procmaps.Snapshot{PID: 4242, Mappings: ms, Seq: 1}
}

// benchModel is a model at w×h showing n mappings, the selection in the
// middle, a few rows highlighted.
func benchModel(b *testing.B, n, w, h int) Model {
	clk := newClock()
	m := New(Options{Root: "/nonexistent", PID: 4242, Theme: "dark", Now: clk.Now})
	m, _ = send(b, m, tea.WindowSizeMsg{Width: w, Height: h})
	first := syntheticSnapshot(n)
	m, _ = send(b, m, snapshotMsg{snap: first, changed: true, totals: fixtureTotals})
	second := syntheticSnapshot(n)
	second.Mappings = append(second.Mappings[:n/2:n/2], second.Mappings[n/2+1:]...) // one removed: a ghost
	m, _ = send(b, m, tickMsg{gen: m.gen})
	m, _ = send(b, m, snapshotMsg{snap: second, changed: true, totals: fixtureTotals})
	m.table.moveTo(n / 2)
	return m
}

// BenchmarkView measures one frame at 200×60. The cost must not depend on
// the number of mappings: only the visible rows are formatted.
func BenchmarkView(b *testing.B) {
	for _, n := range []int{20, 1000, 64000} {
		b.Run(fmt.Sprintf("mappings=%d", n), func(b *testing.B) {
			m := benchModel(b, n, 200, 60)
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkView64k is the 64,000-mapping frame on its own.
func BenchmarkView64k(b *testing.B) {
	m := benchModel(b, 64000, 200, 60)
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkRefresh64k measures taking in a changed 64,000-mapping
// snapshot: the diff and the row rebuild (once a refresh, not once a
// frame).
func BenchmarkRefresh64k(b *testing.B) {
	m := benchModel(b, 64000, 200, 60)
	a, c := syntheticSnapshot(64000), syntheticSnapshot(64000)
	c.Mappings[100].Perms.Write = false
	snaps := []*procmaps.Snapshot{a, c}
	i := 0
	for b.Loop() {
		i++
		m.p().reading = true
		m, _ = send(b, m, snapshotMsg{snap: snaps[i%2], changed: true, totals: fixtureTotals})
	}
}
