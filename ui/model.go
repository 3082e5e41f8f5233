package ui

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"mapscope/mapping"
	"mapscope/mapping/csrc/lessons"
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

	// Target is what the action keys act on: the lab subject, or
	// mapscope itself with --self. Nil with Attach set: the process is
	// attached to when the user confirms the first action. Nil without
	// Attach: actions are off (ReadOnlyReason says why).
	Target mapping.Target
	// Attach attaches to a running process; it is called once, in a
	// command, after the user has confirmed.
	Attach func(pid int) (mapping.Target, error)
	// Lesson is the name of a built-in lesson to open with (--lesson).
	Lesson string
	// Spawn starts a new, unrelated subject (the n key, "process B");
	// nil leaves the key off. The caller owns what it returns and closes
	// it on exit.
	Spawn func() (*mapping.Tracee, error)
}

// Model is the live viewer screen, the program's only tea.Model; the
// table, detail pane, filter, forms and help are plain components inside it.
type Model struct {
	opts   Options
	keys   KeyMap
	styles Styles
	isDark bool

	width, height int

	procs  []proc // the tabs; procs[0] is the process mapscope was started on
	cur    int    // the tab on screen
	nextID int

	quitting bool
	gen      int       // the current tick chain; ticks of older ones are dropped
	paused   bool      // space stopped refreshing
	clock    time.Time // when the last refresh landed; fading is measured against it

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

	form    *form    // the open action form, if any
	ask     *confirm // the open yes/no question, if any
	busy    bool     // an action is running; the next waits
	log     []logEntry
	fctx    formContext // what the next form is prefilled from
	created []Created   // files and shm objects actions created, not yet removed
	console console
	lesson  lessonState
	narr    narration
	split   splitView
	panels  panels
	amap    *addrMap // the address-space map; a pointer: its layout cache outlives copies of the model
	showMap bool

	lessonUsedFirst bool    // a lesson has run in the lab subject: later ones get fresh subjects
	initCmd         tea.Cmd // what New started that Init must run (a lesson's panels)
	scr             screen  // the layout, computed once per Update by resize
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
		isDark:  true,
		help:    help.New(),
		input:   textinput.New(),
		clock:   opts.Now(),
		fctx:    formContext{lastFD: -1},
		console: newConsole(),
		amap:    &addrMap{},
		showMap: true,
	}
	role := map[Mode]string{ModeLab: "subject", ModeAttached: "attached", ModeSelf: "mapscope", ModeReadOnly: "watched"}[opts.Mode]
	m.addProc(opts.PID, role, 0, opts.Target)
	m.procs[0].reading = true // Init's command is the first read
	m.input.Prompt = "/"
	m.input.Placeholder = "path, perms or kind — enter keeps it, esc clears"
	m.table.empty = fmt.Sprintf("reading %s/%d/maps…", opts.Root, opts.PID)
	m.applyStyles()
	if l, ok := lessons.Get(opts.Lesson); ok {
		m.initCmd = m.startLesson(l)
	}
	return m
}

// Init reads the process for the first time and asks the terminal for its
// background colour.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, readSnapshot(0, m.procs[0].src), waitExit(0, m.procs[0].target), m.initCmd)
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
	// The tabs are values: copy them so that this update cannot change
	// what an older copy of the model shows.
	m.procs = slices.Clone(m.procs)
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
	case pagesMsg:
		if msg.seq == m.detail.seq {
			d := msg.data
			m.detail.pages = &d
			m.detail.memOff = d.memOff
		}
	case exitedMsg:
		if i := m.procIndex(msg.id); i >= 0 {
			m.setExited(i, msg.status)
			m.explainDeath(i, msg.status)
		}
	case actionMsg:
		m, cmd = m.onAction(msg)
	case forkMsg:
		m, cmd = m.onFork(msg)
	case spawnMsg:
		m, cmd = m.onSpawn(msg)
	case attachMsg:
		m, cmd = m.onAttach(msg)
	case killMsg:
		m, cmd = m.onKill(msg)
	case consoleMsg:
		m, cmd = m.onConsole(msg)
	case lessonMsg:
		m, cmd = m.onLesson(msg)
	case splitPagesMsg:
		m = m.onSplitPages(msg)
	case panelsMsg:
		cmd = m.onPanels(msg)
	case tea.KeyPressMsg:
		m, cmd = m.onKey(msg)
	case tea.MouseClickMsg:
		m, cmd = m.onClick(msg.Mouse())
	case tea.MouseWheelMsg:
		m, cmd = m.onWheel(msg.Mouse())
	default: // a paste, a cursor's blink: for whatever has the keyboard
		m, cmd = m.toInput(msg)
	}
	// A form, a question, the call log or the tab bar may have come or
	// gone: lay the screen out again (it costs a few comparisons).
	m.resize()
	m.syncDetail()
	return m, cmd
}

// toInput hands a message that is not a key (a paste, a cursor blink) to
// the input that has the keyboard: the form, the console or the filter.
func (m Model) toInput(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	switch {
	case m.form != nil:
		cmd = m.form.update(msg)
	case m.console.open:
		if paste, ok := msg.(tea.PasteMsg); ok {
			return m.onConsolePaste(paste)
		}
		m.console.input, cmd = m.console.input.Update(msg)
	case m.editing:
		m.input, cmd = m.input.Update(msg)
		m.setFilter(m.input.Value())
	}
	return m, cmd
}

// onSnapshot takes in a refresh of one tab: it diffs and, for the tab on
// screen, rebuilds the rows only when the maps changed.
func (m Model) onSnapshot(msg snapshotMsg) (Model, tea.Cmd) {
	i := m.procIndex(msg.id)
	if i < 0 {
		return m, nil
	}
	p := &m.procs[i]
	p.reading = false
	if p.exited {
		return m, nil
	}
	m.clock = m.opts.Now()
	if msg.err != nil {
		if errors.Is(msg.err, procmaps.ErrNoProcess) || errors.Is(msg.err, procmaps.ErrNoMappings) {
			m.setExited(i, "")
			return m, nil
		}
		p.readErr = msg.err
		return m, m.nextTick()
	}
	p.readErr = nil
	if msg.totalsErr == nil {
		p.totals, p.haveTotals = msg.totals, true
	}
	if msg.ident != nil {
		p.ident, p.haveIdent = *msg.ident, true
	}
	rebuild := p.hl.expire(m.clock)
	if msg.snap != nil && (msg.changed || p.snap == nil) {
		if p.snap != nil && p.hl.apply(procmaps.DiffSnapshots(p.snap, msg.snap), m.clock) {
			rebuild = true
		}
		p.snap = msg.snap
		rebuild = true
	}
	var again tea.Cmd
	if p.again {
		p.again = false
		again = m.refresh(i)
	}
	if m.split.on && (p.id == m.split.left || p.id == m.split.right) {
		if msg.changed {
			m.syncSplit()
		}
		// The pages change without the maps changing (a write copies a
		// page): read them at every refresh — once, when the left side's
		// snapshot lands (both sides are refreshed by the same tick).
		if p.id == m.split.left || msg.changed {
			again = tea.Batch(again, m.requestSplitPages())
		}
	}
	if i != m.cur {
		return m, tea.Batch(again, m.nextTick())
	}
	if rebuild {
		m.rebuildRows()
	}
	if p.selectAddr != 0 && m.selectAddress(p.selectAddr) {
		p.selectAddr = 0
	}
	return m, tea.Batch(again, m.nextTick(), m.requestSmaps(), m.requestPanels())
}

// refresh reads tab i now (after an action), or as soon as the read in
// flight lands.
func (m *Model) refresh(i int) tea.Cmd {
	p := &m.procs[i]
	if p.exited {
		return nil
	}
	if p.reading {
		p.again = true
		return nil
	}
	p.reading = true
	return readSnapshot(p.id, p.src)
}

// nextTick schedules the next refresh, unless refreshing has stopped or a
// tick is already pending.
func (m *Model) nextTick() tea.Cmd {
	if m.paused || m.allExited() {
		return nil
	}
	m.gen++
	return tick(m.gen, m.opts.Interval)
}

// onTick refreshes every live tab that is not being read already, unless
// the tick is stale or refreshing has stopped.
func (m Model) onTick(msg tickMsg) (Model, tea.Cmd) {
	if msg.gen != m.gen || m.paused {
		return m, nil
	}
	var cmds []tea.Cmd
	for i := range m.procs {
		p := &m.procs[i]
		if p.exited || p.reading {
			continue
		}
		p.reading = true
		cmds = append(cmds, readSnapshot(p.id, p.src))
	}
	// With every tab read already in flight there is nothing to start:
	// each read schedules the next tick when it lands.
	return m, tea.Batch(cmds...)
}

// setExited freezes tab i on its last snapshot.
func (m *Model) setExited(i int, status string) {
	p := &m.procs[i]
	if status != "" || !p.exited {
		if status == "" {
			status = "exited"
		}
		p.exitStatus = status
	}
	p.exited = true
	if i == m.cur && p.snap == nil {
		m.table.empty = "no mappings: the process is gone"
	}
}

// togglePause stops or resumes refreshing; resuming reads at once.
func (m Model) togglePause() (Model, tea.Cmd) {
	m.paused = !m.paused
	m.gen++
	if m.paused {
		return m, nil
	}
	// The tab on screen at once; every tab again from the next tick (the
	// one on screen may have exited and schedule nothing).
	return m, tea.Batch(m.refresh(m.cur), m.nextTick())
}

// rebuildRows rebuilds the row list from the snapshot, the ghosts and the
// filter. It is the only place the list is built.
func (m *Model) rebuildRows() {
	p := m.p()
	var live []procmaps.Mapping
	if p.snap != nil {
		live = p.snap.Mappings
	}
	m.table.setRows(buildRows(live, p.hl.ghosts, m.filter))
	if p.snap != nil {
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
	s := m.screen()
	m.scr = s
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
	if !m.detail.shown || !ok || ghost || m.p().exited {
		return nil
	}
	if m.detail.loading {
		m.detail.again = true
		return nil
	}
	m.detail.loading, m.detail.again = true, false
	m.detail.seq++
	auto := m.detail.pages == nil || m.detail.pages.start != mp.Start
	if auto {
		m.detail.memOff = 0
	}
	p := m.p()
	return tea.Batch(readSmaps(m.opts.Root, p.pid, mp.Start, m.detail.seq),
		readPages(m.opts.Root, p.pid, *mp, m.detail.memOff, auto, m.detail.seq))
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
	m.detail.gone = m.p().exited
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
	v.WindowTitle = fmt.Sprintf("mapscope — pid %d", m.p().pid)
	v.BackgroundColor = m.styles.Background
	v.ForegroundColor = m.styles.Foreground
	return v
}
