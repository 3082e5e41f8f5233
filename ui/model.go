package ui

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"mapscope/procmaps"
)

// Mode is how mapscope watches its process; the header names it.
type Mode int

// The modes of product description §1.
const (
	ModeLab      Mode = iota // a subject mapscope started itself
	ModeAttached             // a running process, with ptrace rights
	ModeSelf                 // mapscope's own process
	ModeReadOnly             // a running process, without the rights to act on it
)

// String returns the mode as the header shows it.
func (m Mode) String() string {
	switch m {
	case ModeLab:
		return "lab"
	case ModeAttached:
		return "attached"
	case ModeSelf:
		return "self"
	case ModeReadOnly:
		return "read-only"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Options configure the viewer.
type Options struct {
	Root           string           // proc mount, "/proc"
	PID            int              // the process to watch
	Mode           Mode             // how it is watched
	ReadOnlyReason string           // why actions are off, shown when Mode is ModeReadOnly
	Interval       time.Duration    // refresh period (default 500ms)
	Highlight      time.Duration    // how long changes glow and removed rows linger (default 3s)
	Theme          string           // "auto" (follow the terminal), "dark", "light", "projector"
	NoColor        bool             // NO_COLOR: no colours at all, only bold, reverse and markers
	Now            func() time.Time // nil means time.Now; tests inject a clock
}

// Model is the live viewer screen, the program's only tea.Model; the
// table, detail pane, filter and help are plain components inside it.
type Model struct {
	opts   Options
	keys   KeyMap
	src    *procmaps.Source
	styles Styles
	isDark bool

	width, height int

	ident      procmaps.Identity
	haveIdent  bool
	snap       *procmaps.Snapshot
	totals     procmaps.Totals
	haveTotals bool
	readErr    error

	paused     bool // space stopped refreshing
	reading    bool // a Source.Read is in flight; there is never a second
	exited     bool // the process is gone: the screen keeps its last snapshot
	exitStatus string
	quitting   bool
	gen        int       // the current tick chain; ticks of older ones are dropped
	clock      time.Time // when the last refresh landed; fading is measured against it

	hl        highlights
	filter    filter
	input     textinput.Model
	editing   bool // the filter input has the keyboard
	table     table
	detail    detailPane
	help      help.Model
	showHelp  bool
	helpTop   int // scroll position of the help screen
	status    string
	statusBad bool
	echo      string
	rowBuilds int // how many times the row list was rebuilt (tests)
}

// New returns the viewer for opts. Nothing is read until the program runs
// Init's command.
func New(opts Options) Model {
	if opts.Root == "" {
		opts.Root = "/proc"
	}
	if opts.Interval <= 0 {
		opts.Interval = 500 * time.Millisecond
	}
	if opts.Highlight <= 0 {
		opts.Highlight = 3 * time.Second
	}
	if opts.Theme == "" {
		opts.Theme = "auto"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := Model{
		opts:    opts,
		keys:    DefaultKeyMap(),
		src:     procmaps.NewSource(opts.Root, opts.PID),
		isDark:  true,
		reading: true, // Init's command is the first read
		hl:      highlights{ttl: opts.Highlight},
		help:    help.New(),
		input:   textinput.New(),
		clock:   opts.Now(),
	}
	m.input.Prompt = "/"
	m.input.Placeholder = "path, perms or kind — enter keeps it, esc clears"
	m.table.empty = fmt.Sprintf("reading %s/%d/maps…", opts.Root, opts.PID)
	m.applyStyles()
	return m
}

// Init reads the process for the first time and asks the terminal for its
// background colour.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, readSnapshot(m.src))
}

// applyStyles (re)builds the styles and hands them to the components.
func (m *Model) applyStyles() {
	m.styles = newStyles(m.opts.Theme, m.isDark, m.opts.NoColor)
	m.help.Styles = m.styles.ShortHelp
	m.input.SetStyles(m.styles.Input)
	m.table.mono = m.styles.mono
	m.table.layoutColumns()
}

// Update handles one message. It never reads /proc itself: reads are
// commands whose results come back as messages.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
	case tea.BackgroundColorMsg:
		m.isDark = msg.IsDark()
		m.applyStyles()
	case snapshotMsg:
		m, cmd = m.onSnapshot(msg)
	case tickMsg:
		m, cmd = m.onTick(msg)
	case smapsMsg:
		m, cmd = m.onSmaps(msg)
	case ExitedMsg:
		m.setExited(msg.Status)
	case tea.KeyPressMsg:
		m, cmd = m.onKey(msg)
	case tea.MouseClickMsg:
		m, cmd = m.onClick(msg.Mouse())
	case tea.MouseWheelMsg:
		m, cmd = m.onWheel(msg.Mouse())
	default:
		if m.editing { // a paste, the cursor's own messages
			m.input, cmd = m.input.Update(msg)
			m.setFilter(m.input.Value())
		}
	}
	m.syncDetail()
	return m, cmd
}

// onSnapshot takes in a refresh: it diffs and rebuilds the rows only when
// the maps changed, then schedules the next tick.
func (m Model) onSnapshot(msg snapshotMsg) (Model, tea.Cmd) {
	m.reading = false
	if m.exited {
		return m, nil
	}
	m.clock = m.opts.Now()
	if msg.err != nil {
		if errors.Is(msg.err, procmaps.ErrNoProcess) || errors.Is(msg.err, procmaps.ErrNoMappings) {
			m.setExited("")
			return m, nil
		}
		m.readErr = msg.err
		return m, m.nextTick()
	}
	m.readErr = nil
	if msg.totalsErr == nil {
		m.totals, m.haveTotals = msg.totals, true
	}
	if msg.ident != nil {
		m.ident, m.haveIdent = *msg.ident, true
	}
	rebuild := m.hl.expire(m.clock)
	if msg.snap != nil && (msg.changed || m.snap == nil) {
		if m.snap != nil && m.hl.apply(procmaps.Diff(m.snap.Mappings, msg.snap.Mappings), m.clock) {
			rebuild = true
		}
		m.snap = msg.snap
		rebuild = true
	}
	if rebuild {
		m.rebuildRows()
	}
	return m, tea.Batch(m.nextTick(), m.requestSmaps())
}

// nextTick schedules the next refresh, unless refreshing has stopped.
func (m *Model) nextTick() tea.Cmd {
	if m.paused || m.exited {
		return nil
	}
	return tick(m.gen, m.opts.Interval)
}

// onTick starts a refresh, unless the tick is stale, refreshing has
// stopped, or a read is still in flight.
func (m Model) onTick(msg tickMsg) (Model, tea.Cmd) {
	if msg.gen != m.gen || m.paused || m.exited || m.reading {
		return m, nil
	}
	m.reading = true
	return m, readSnapshot(m.src)
}

// setExited freezes the screen on the last snapshot.
func (m *Model) setExited(status string) {
	if status != "" || !m.exited {
		if status == "" {
			status = "exited"
		}
		m.exitStatus = status
	}
	m.exited = true
	m.gen++
	if m.snap == nil {
		m.table.empty = "no mappings: the process is gone"
	}
}

// togglePause stops or resumes refreshing; resuming reads at once.
func (m Model) togglePause() (Model, tea.Cmd) {
	m.paused = !m.paused
	m.gen++
	if m.paused || m.exited || m.reading {
		return m, nil
	}
	m.reading = true
	return m, readSnapshot(m.src)
}

// rebuildRows rebuilds the row list from the snapshot, the ghosts and the
// filter. It is the only place the list is built.
func (m *Model) rebuildRows() {
	var live []procmaps.Mapping
	if m.snap != nil {
		live = m.snap.Mappings
	}
	m.table.setRows(buildRows(live, m.hl.ghosts, m.filter))
	if m.snap != nil {
		m.table.empty = "no mapping matches the filter"
	}
	m.rowBuilds++
}

// setFilter applies a new filter text.
func (m *Model) setFilter(text string) {
	f := newFilter(text)
	if slices.Equal(f.terms, m.filter.terms) {
		return
	}
	m.filter = f
	m.rebuildRows()
}

// resize lays the screen out for the current size.
func (m *Model) resize() {
	s := layout(m.width, m.height, m.detail.shown)
	m.table.SetSize(s.table.w, s.table.h)
	m.detail.SetSize(s.detail.w, s.detail.h, s.pane)
	m.help.SetWidth(max(0, m.width-2))
	m.input.SetWidth(max(1, m.width-2))
}

// requestSmaps reads the selected mapping's smaps when the pane is shown.
// One read at a time: a request made while one is in flight is remembered
// and issued when it lands.
func (m *Model) requestSmaps() tea.Cmd {
	mp, ghost, ok := m.table.selected()
	if !m.detail.shown || !ok || ghost || m.exited {
		return nil
	}
	if m.detail.loading {
		m.detail.again = true
		return nil
	}
	m.detail.loading, m.detail.again = true, false
	m.detail.seq++
	return readSmaps(m.opts.Root, m.opts.PID, mp.Start, m.detail.seq)
}

// onSmaps stores a smaps entry and asks again if the selection moved on
// while it was read.
func (m Model) onSmaps(msg smapsMsg) (Model, tea.Cmd) {
	if msg.seq != m.detail.seq {
		return m, nil
	}
	m.detail.loading = false
	if msg.err != nil {
		m.detail.err, m.detail.errAt = msg.err, msg.start
	} else {
		m.detail.smaps, m.detail.err = msg.smaps, nil
	}
	mp, _, ok := m.table.selected()
	if m.detail.again || ok && mp.Start != msg.start {
		return m, m.requestSmaps()
	}
	return m, nil
}

// syncDetail lays out the detail pane's content for the selection.
func (m *Model) syncDetail() {
	if !m.detail.shown {
		return
	}
	mp, ghost, _ := m.table.selected()
	m.detail.gone = m.exited
	m.detail.sync(&m.styles, mp, ghost)
}

// selectionMoved is called after anything that may change the selection.
func (m *Model) selectionMoved(before *procmaps.Mapping) tea.Cmd {
	after, _, _ := m.table.selected()
	if after == before {
		return nil
	}
	m.detail.scroll = 0
	return m.requestSmaps()
}

// View renders the screen.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = fmt.Sprintf("mapscope — pid %d", m.opts.PID)
	v.BackgroundColor = m.styles.Background
	v.ForegroundColor = m.styles.Foreground
	return v
}
