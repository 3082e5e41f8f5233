package procmaps

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/procfs"
)

// BenchmarkParseVsProcfs reads the same 65,530-line maps file with
// procfs.ProcMaps and with os.ReadFile plus our Parser (warm, as a Source
// keeps it), from a fixture tree, so both pay the same file I/O.
func BenchmarkParseVsProcfs(b *testing.B) {
	root := b.TempDir()
	text := generateMaps(65530)
	if err := os.Mkdir(filepath.Join(root, "1"), 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(root, "1", "maps")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		b.Fatal(err)
	}

	b.Run("procfs", func(b *testing.B) {
		fs, err := procfs.NewFS(root)
		if err != nil {
			b.Fatal(err)
		}
		proc, err := fs.Proc(1)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for range b.N {
			ms, err := proc.ProcMaps()
			if err != nil || len(ms) != 65530 {
				b.Fatal(len(ms), err)
			}
		}
	})
	b.Run("Parser", func(b *testing.B) {
		var p Parser
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for range b.N {
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			ms, err := p.Parse(data)
			if err != nil || len(ms) != 65530 {
				b.Fatal(len(ms), err)
			}
		}
	})
}

// BenchmarkRefresh64k measures one refresh of a real process with 64,000
// mappings (one-page regions, alternately r-- and rw-, so none merge):
//
//   - raw: open, read and close /proc/<pid>/maps into a reused buffer —
//     the floor, what the kernel costs;
//   - changed: the process has just run one mprotect (outside the timer),
//     and Source.Read reads the text, sees it changed, parses it — copying
//     the lines it shares with the last text — and Diff compares the new
//     mappings with the previous ones;
//   - changed-full: the same, but the Source has forgotten its last text
//     (as a new Source with a warm Parser would), so every line is parsed;
//   - unchanged: Source.Read when nothing changed — it still reads the
//     whole text, then compares it with the last one.
//
// Each reports its time as a multiple of raw's (x-raw).
func BenchmarkRefresh64k(b *testing.B) {
	const n = 64000
	if limit, err := os.ReadFile("/proc/sys/vm/max_map_count"); err == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(string(limit))); err == nil && v < n+1000 {
			b.Skipf("vm.max_map_count is %d: a process cannot have %d mappings here", v, n)
		}
	}
	sub := startSubject(b)
	base := sub.addr("many %d", n)
	page := uint64(os.Getpagesize())
	path := "/proc/" + strconv.Itoa(sub.pid()) + "/maps"

	src := NewSource("/proc", sub.pid())
	prev, _, err := src.Read()
	if err != nil {
		b.Fatal(err)
	}
	if len(prev.Mappings) < n {
		b.Fatalf("the subject has %d mappings, want at least %d", len(prev.Mappings), n)
	}
	b.Logf("%d mappings, %d bytes of maps text", len(prev.Mappings), len(src.prev))

	var rawNs float64
	perOp := func(b *testing.B) float64 { return float64(b.Elapsed().Nanoseconds()) / float64(b.N) }
	reportRatio := func(b *testing.B) {
		if rawNs > 0 {
			b.ReportMetric(perOp(b)/rawNs, "x-raw")
		}
	}

	b.Run("raw", func(b *testing.B) {
		buf := make([]byte, 0, 2*len(src.prev))
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if buf, err = readAll(path, buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
		rawNs = perOp(b)
	})

	// change makes the subject toggle page 1 of its block between rw- (as
	// "many" left it) and r--, which merges pages 0-2 into one mapping.
	merged := false
	change := func() {
		prot := 1
		if merged {
			prot = 3
		}
		sub.do("protect %x %d %d", base+page, page, prot)
		merged = !merged
	}
	refresh := func(b *testing.B) {
		snap, changed, err := src.Read()
		if err != nil || !changed {
			b.Fatalf("Read after mprotect: changed %v, %v", changed, err)
		}
		if changes := DiffSnapshots(prev, snap); len(changes) != 1 {
			b.Fatalf("Diff: %d changes, want 1", len(changes))
		}
		prev = snap
	}

	b.Run("changed", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			b.StopTimer()
			change()
			b.StartTimer()
			refresh(b)
		}
		reportRatio(b)
	})

	b.Run("changed-full", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			b.StopTimer()
			change()
			src.last, src.prev = nil, src.prev[:0]
			b.StartTimer()
			refresh(b)
		}
		reportRatio(b)
	})

	b.Run("unchanged", func(b *testing.B) {
		if _, _, err := src.Read(); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, changed, err := src.Read(); err != nil || changed {
				b.Fatalf("Read of an idle process: changed %v, %v", changed, err)
			}
		}
		reportRatio(b)
	})
}

// readAll is os.ReadFile into a buffer the caller reuses.
func readAll(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
