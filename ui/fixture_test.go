package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"mapscope/procmaps"
)

// fixtureMaps is a process with one mapping of every kind, and paths the
// terminal must survive: two spaces, the kernel's \012 for a newline, an
// escape sequence and bytes that are not UTF-8.
const fixtureMaps = `00400000-00401000 r--p 00000000 08:02 1048601                            /usr/bin/demo
00401000-00402000 r-xp 00001000 08:02 1048601                            /usr/bin/demo
00402000-00403000 r--p 00002000 08:02 1048601                            /usr/bin/demo
00403000-00404000 rw-p 00003000 08:02 1048601                            /usr/bin/demo
01a2b000-01a4c000 rw-p 00000000 00:00 0                                  [heap]
7f3a1be00000-7f3a1c000000 rw-p 00000000 00:00 0 
7f3a1c000000-7f3a1c001000 ---p 00000000 00:00 0 
7f3a1c001000-7f3a1c801000 rw-p 00000000 00:00 0                          [anon:worker stack]
7f3a1c900000-7f3a1c902000 rw-s 00000000 00:19 2051                       /dev/shm/my_data
7f3a1c902000-7f3a1c903000 rw-s 00000000 08:02 2099                       /home/ada/notes.txt
7f3a1c904000-7f3a1c905000 r--p 00000000 08:02 2100                       /tmp/old.bin (deleted)
7f3a1c905000-7f3a1c906000 r--p 00000000 08:02 2101                       /tmp/two  spaces\012newline
7f3a1c906000-7f3a1c907000 r--p 00000000 08:02 2102                       /tmp/esc` + "\x1b[31mred\xff\xfe" + `
7f3a1ca00000-7f3a1ca26000 r--p 00000000 08:02 1835017                    /usr/lib/x86_64-linux-gnu/libc.so.6
7f3a1ca26000-7f3a1cb7c000 r-xp 00026000 08:02 1835017                    /usr/lib/x86_64-linux-gnu/libc.so.6
7f3a1cb7c000-7f3a1cbcf000 r--p 0017c000 08:02 1835017                    /usr/lib/x86_64-linux-gnu/libc.so.6
7f3a1cbcf000-7f3a1cbd3000 r--p 001cf000 08:02 1835017                    /usr/lib/x86_64-linux-gnu/libc.so.6
7f3a1cbd3000-7f3a1cbd5000 rw-p 001d3000 08:02 1835017                    /usr/lib/x86_64-linux-gnu/libc.so.6
7f3a1cbd5000-7f3a1cbe2000 rw-p 00000000 00:00 0 
7f3a1cbe8000-7f3a1cbec000 r--p 00000000 00:00 0                          [vvar]
7f3a1cbec000-7f3a1cbee000 r-xp 00000000 00:00 0                          [vdso]
7f3a1cbee000-7f3a1cbef000 r--p 00000000 08:02 1835010                    /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
7f3a1cbef000-7f3a1cc15000 r-xp 00001000 08:02 1835010                    /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
7f3a1cc15000-7f3a1cc1f000 r--p 00027000 08:02 1835010                    /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
7f3a1cc1f000-7f3a1cc21000 r--p 00031000 08:02 1835010                    /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
7f3a1cc21000-7f3a1cc23000 rw-p 00033000 08:02 1835010                    /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
7ffd5e3a1000-7ffd5e3c2000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
`

// fixtureChanged is fixtureMaps after an mprotect of the upper half of
// the anonymous region (a split), an mmap (a new mapping) and an munmap of
// the deleted file (a removal).
var fixtureChanged = strings.NewReplacer(
	"7f3a1be00000-7f3a1c000000 rw-p 00000000 00:00 0 \n",
	"7f3a1be00000-7f3a1bf00000 rw-p 00000000 00:00 0 \n7f3a1bf00000-7f3a1c000000 r--p 00000000 00:00 0 \n",
	"7f3a1c900000-7f3a1c902000", "7f3a1c880000-7f3a1c882000 rw-p 00000000 00:00 0 \n7f3a1c900000-7f3a1c902000",
	"7f3a1c904000-7f3a1c905000 r--p 00000000 08:02 2100                       /tmp/old.bin (deleted)\n", "",
).Replace(fixtureMaps)

// fixtureHeapSmaps is the smaps entry of the fixture's heap, with a
// VmFlag this version does not know.
const fixtureHeapSmaps = `01a2b000-01a4c000 rw-p 00000000 00:00 0                                  [heap]
Size:                132 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                  24 kB
Pss:                  24 kB
Pss_Dirty:            24 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:        24 kB
Referenced:           24 kB
Anonymous:            24 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd wr mr mw me ac sd zz
`

var fixtureTotals = procmaps.Totals{Rss: 1900 << 10, Pss: 412 << 10, Swap: 0}

var fixtureIdentity = procmaps.Identity{PID: 4242, Comm: "demo", Cmdline: []string{"/usr/bin/demo", "--wait"}, State: "S"}

// clock is a fake clock the tests move by hand.
type clock struct{ t time.Time }

func newClock() *clock                   { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }
func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// parseMaps parses maps text for a fixture snapshot.
func parseMaps(t testing.TB, text string, seq uint64) *procmaps.Snapshot {
	t.Helper()
	var p procmaps.Parser
	ms, err := p.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return &procmaps.Snapshot{PID: 4242, Mappings: ms, Seq: seq}
}

// send feeds one message to the model.
func send(t testing.TB, m Model, msg tea.Msg) (Model, tea.Cmd) {
	t.Helper()
	next, cmd := m.Update(msg)
	nm, ok := next.(Model)
	if !ok {
		t.Fatalf("Update returned %T", next)
	}
	return nm, cmd
}

// press feeds key presses, each given as tea names them ("j", "enter").
func press(t testing.TB, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		m, _ = send(t, m, keyMsg(k))
	}
	return m
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+d":
		return tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}
	}
	if c, ok := strings.CutPrefix(k, "ctrl+"); ok && len(c) == 1 {
		return tea.KeyPressMsg{Code: rune(c[0]), Mod: tea.ModCtrl}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic(fmt.Sprintf("keyMsg: unknown key %q", k))
	}
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// fixtureModel is a model at w×h showing fixtureMaps, as it would after
// its first read, with a fake clock.
func fixtureModel(t testing.TB, w, h int, opts Options) (Model, *clock) {
	t.Helper()
	clk := newClock()
	opts.Root, opts.PID, opts.Now = "/nonexistent", 4242, clk.Now
	if opts.Theme == "" {
		opts.Theme = "dark"
	}
	m := New(opts)
	m, _ = send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	id := fixtureIdentity
	m, _ = send(t, m, snapshotMsg{snap: parseMaps(t, fixtureMaps, 1), changed: true, totals: fixtureTotals, ident: &id})
	return m, clk
}

// withChanges moves the fixture model to fixtureChanged, half a second
// later, as a refresh would.
func withChanges(t testing.TB, m Model, clk *clock) Model {
	t.Helper()
	clk.Advance(500 * time.Millisecond)
	m, _ = send(t, m, tickMsg{gen: m.gen})
	m, _ = send(t, m, snapshotMsg{snap: parseMaps(t, fixtureChanged, 2), changed: true, totals: fixtureTotals})
	return m
}

// heapSmaps returns the fixture's heap smaps entry.
func heapSmaps(t testing.TB) *procmaps.Smaps {
	t.Helper()
	all, err := procmaps.ParseSmaps([]byte(fixtureHeapSmaps))
	if err != nil || len(all) != 1 {
		t.Fatalf("ParseSmaps: %v, %d entries", err, len(all))
	}
	return all[0]
}

// plain returns the view's text without styling.
func plain(m Model) string { return ansi.Strip(m.View().Content) }

// selectLabel moves the selection to the first row whose label is label.
func selectLabel(t testing.TB, m Model, label string) Model {
	t.Helper()
	for i, r := range m.table.rows.refs {
		if m.table.rows.mapping(r).Label() == label {
			before, _, _ := m.table.selected()
			m.table.moveTo(i)
			m.selectionMoved(before)
			return m
		}
	}
	t.Fatalf("no row %q", label)
	return m
}
