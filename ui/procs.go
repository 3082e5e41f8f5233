package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/sys/unix"

	"mapscope/mapping"
	"mapscope/mapping/csrc"
	"mapscope/procmaps"
)

// proc is one tab: a watched process with its own snapshot, highlights and,
// when mapscope may act on it, its Target.
type proc struct {
	id     int    // stable tab id, carried by the messages about it
	pid    int    // the process
	role   string // "subject", "child", "process B", "attached", "mapscope"
	parent int    // the tab's parent process, for a forked child; 0 otherwise
	target mapping.Target

	src        *procmaps.Source
	ident      procmaps.Identity
	haveIdent  bool
	snap       *procmaps.Snapshot
	totals     procmaps.Totals
	haveTotals bool
	readErr    error
	reading    bool // a Source.Read is in flight; there is never a second
	again      bool // read again when it lands (an action changed the maps)
	exited     bool // the process is gone: the tab keeps its last snapshot
	exitStatus string
	hl         highlights
	selectAddr uint64 // select the mapping at this address when it appears
}

// addProc adds a tab for pid and returns its index.
func (m *Model) addProc(pid int, role string, parent int, t mapping.Target) int {
	m.procs = append(m.procs, proc{
		id: m.nextID, pid: pid, role: role, parent: parent, target: t,
		src: procmaps.NewSource(m.opts.Root, pid),
		hl:  highlights{ttl: m.opts.Highlight},
	})
	m.nextID++
	return len(m.procs) - 1
}

// openTab adds a tab for a process mapscope traces (a forked child, a new
// subject) and starts reading it and waiting for its end.
func (m *Model) openTab(t *mapping.Tracee, role string, parent int) (int, tea.Cmd) {
	j := m.addProc(t.Pid(), role, parent, t)
	m.procs[j].reading = true
	return j, tea.Batch(readSnapshot(m.procs[j].id, m.procs[j].src), waitExit(m.procs[j].id, t))
}

// p is the tab on screen.
func (m *Model) p() *proc { return &m.procs[m.cur] }

// procIndex finds a tab by id; -1 when it is gone.
func (m *Model) procIndex(id int) int {
	for i := range m.procs {
		if m.procs[i].id == id {
			return i
		}
	}
	return -1
}

// procIndexByPID finds a tab by process ID; -1 when none shows it.
func (m *Model) procIndexByPID(pid int) int {
	for i := range m.procs {
		if m.procs[i].pid == pid {
			return i
		}
	}
	return -1
}

// allExited reports whether no tab has a live process.
func (m *Model) allExited() bool {
	for i := range m.procs {
		if !m.procs[i].exited {
			return false
		}
	}
	return true
}

// switchTo puts tab i on screen.
func (m *Model) switchTo(i int) tea.Cmd {
	if i == m.cur || i < 0 || i >= len(m.procs) {
		return nil
	}
	before, _, _ := m.table.selected()
	m.cur = i
	m.table.empty = fmt.Sprintf("reading %s/%d/maps…", m.opts.Root, m.p().pid)
	if m.p().exited && m.p().snap == nil {
		m.table.empty = "no mappings: the process is gone"
	}
	m.rebuildRows()
	m.detail.smaps, m.detail.pages = nil, nil // another process's, at the same addresses
	var read tea.Cmd
	if !m.p().reading { // a read in flight will do
		read = m.refresh(i)
	}
	return tea.Batch(read, m.selectionMoved(before), m.requestSmapsNow())
}

// requestSmapsNow reads the selected mapping's smaps even if the selection
// kept its address (another tab's mapping at the same place).
func (m *Model) requestSmapsNow() tea.Cmd {
	m.detail.seq++
	m.detail.loading = false
	return m.requestSmaps()
}

// selectAddress selects the row of the live mapping containing addr.
func (m *Model) selectAddress(addr uint64) bool {
	for i, r := range m.table.rows.refs {
		if mp := m.table.rows.mapping(r); !r.ghost && mp.Contains(addr) {
			m.table.moveTo(i)
			m.table.offset = max(0, i-m.table.visible()/2)
			m.table.clamp()
			return true
		}
	}
	return false
}

// tabName is a tab's label in the tab bar.
func (p *proc) tabName() string {
	s := strconv.Itoa(p.pid)
	if p.haveIdent {
		s += " " + p.ident.Comm
	}
	switch {
	case p.role == "child":
		s += " (child of " + strconv.Itoa(p.parent) + ")"
	case p.role != "subject" && p.role != "watched":
		s += " (" + p.role + ")"
	}
	if p.exited {
		s += " ✖"
	}
	return s
}

// tabsView is the tab bar, shown when there is more than one process.
func (m *Model) tabsView(w int) string {
	st := &m.styles
	var parts []string
	for i := range m.procs {
		p := &m.procs[i]
		label := " " + strconv.Itoa(i+1) + " " + printable(p.tabName()) + " "
		switch {
		case i == m.cur:
			parts = append(parts, st.TabActive.Render(label))
		case p.exited:
			parts = append(parts, st.TabGone.Render(label))
		default:
			parts = append(parts, st.Tab.Render(label))
		}
	}
	return fitWidth(" "+strings.Join(parts, " ")+st.FieldMeaning.Render("  tab ⇄"), w)
}

// exitedMsg says that a tab's process has ended, and how.
type exitedMsg struct {
	id     int
	status string
}

// waitExit waits for a traced process to end. Only a Tracee can tell: it
// reaps the process itself.
func waitExit(id int, t mapping.Target) tea.Cmd {
	tr, ok := t.(*mapping.Tracee)
	if !ok || tr == nil {
		return nil
	}
	return func() tea.Msg {
		<-tr.Done()
		st, _ := tr.Exited()
		return exitedMsg{id: id, status: st.String()}
	}
}

// startKill handles K: a child or an extra subject ends at once; the
// subject or an attached process after a question; mapscope never.
func (m *Model) startKill() (tea.Cmd, string) {
	p := m.p()
	switch {
	case p.exited:
		m.fail(fmt.Sprintf("pid %d has already exited", p.pid))
		return nil, "nothing (exited)"
	case m.opts.Mode == ModeSelf && p.id == 0:
		m.fail("mapscope will not kill itself: q quits")
		return nil, "nothing"
	case p.id != 0:
		return killCmd(p.id, p.target, p.pid, true), "kill"
	case m.opts.Mode == ModeLab:
		m.ask = &confirm{kind: askKill, id: p.id, question: fmt.Sprintf(
			"Kill the lab subject, pid %d? Its tab stays with its last snapshot.", p.pid)}
	default:
		m.ask = &confirm{kind: askKill, id: p.id, question: fmt.Sprintf(
			"pid %d was not started by mapscope. Send it SIGKILL?", p.pid)}
	}
	return nil, "asks to kill"
}

// forkCmd makes t fork.
func forkCmd(id int, t mapping.Target) tea.Cmd {
	return func() tea.Msg {
		child, c, err := t.Fork()
		return forkMsg{id: id, child: child, call: c, err: err}
	}
}

// spawnCmd starts a new subject.
func spawnCmd(spawn func() (*mapping.Tracee, error)) tea.Cmd {
	return func() tea.Msg {
		t, err := spawn()
		return spawnMsg{t: t, err: err}
	}
}

// attachCmd attaches to pid.
func attachCmd(id, pid int, attach func(int) (mapping.Target, error), keystroke string) tea.Cmd {
	return func() tea.Msg {
		t, err := attach(pid)
		return attachMsg{id: id, t: t, err: err, keystroke: keystroke}
	}
}

// killCmd ends a process: Close for one mapscope started or forked (own:
// Close kills and reaps it), SIGKILL otherwise.
func killCmd(id int, t mapping.Target, pid int, own bool) tea.Cmd {
	return func() tea.Msg {
		if tr, ok := t.(*mapping.Tracee); ok && own {
			return killMsg{id: id, err: tr.Close()}
		}
		return killMsg{id: id, err: unix.Kill(pid, unix.SIGKILL)}
	}
}

// onFork adds the child as a new tab.
func (m Model) onFork(msg forkMsg) (Model, tea.Cmd) {
	m.busy = false
	i := m.procIndex(msg.id)
	e := entryOf(msg.call, msg.err)
	if msg.err != nil || msg.child == nil {
		m.addLog(e)
		m.fail(e.String() + ": " + e.why)
		return m, nil
	}
	e.result = "= " + strconv.Itoa(msg.child.Pid())
	m.addLog(e, logEntry{pid: msg.child.Pid(), text: "fork()", result: "= 0", fd: -1})
	parent := msg.call.Pid
	n := 0
	if i >= 0 && m.procs[i].snap != nil {
		n = len(m.procs[i].snap.Mappings)
	}
	j, open := m.openTab(msg.child, "child", parent)
	// The console's program of the parent carries on in the child, with
	// copies of its variables, as after a fork() typed at the console.
	for _, mc := range m.console.machines {
		if mc.pids[parent] && mc.m.Adopt(parent, csrc.Adapt(msg.child)) {
			mc.pids[msg.child.Pid()] = true
		}
	}
	m.status, m.statusBad = fmt.Sprintf("fork() = %d: the child is tab %d (tab switches to it)", msg.child.Pid(), j+1), false
	m.narr.text = fmt.Sprintf("fork(): the child, pid %d, received a copy of all %d mappings and resumes where the parent was. MAP_SHARED mappings are the same physical pages in both; MAP_PRIVATE ones are copy-on-write: shared until one of them writes, then that page is copied.",
		msg.child.Pid(), n)
	m.resize()
	cmds := []tea.Cmd{open}
	if i >= 0 {
		cmds = append(cmds, m.refresh(i))
	}
	return m, tea.Batch(cmds...)
}

// onSpawn adds a new subject as a tab and shows it.
func (m Model) onSpawn(msg spawnMsg) (Model, tea.Cmd) {
	m.busy = false
	if msg.err != nil {
		m.fail("cannot start a new subject: " + msg.err.Error())
		return m, nil
	}
	extra := 0
	for i := range m.procs {
		if strings.HasPrefix(m.procs[i].role, "process ") {
			extra++
		}
	}
	j, open := m.openTab(msg.t, "process "+string(rune('B'+extra%25)), 0)
	m.status, m.statusBad = fmt.Sprintf("started pid %d, an unrelated process (tab %d): it shares nothing with the others until it maps the same object", msg.t.Pid(), j+1), false
	m.resize()
	return m, tea.Batch(open, m.switchTo(j))
}

// onAttach stores the target of a confirmed attach and runs the action
// that asked for it; a refusal makes the view read-only, saying why.
func (m Model) onAttach(msg attachMsg) (Model, tea.Cmd) {
	i := m.procIndex(msg.id)
	if i < 0 {
		return m, nil
	}
	if msg.err != nil {
		m.opts.Mode = ModeReadOnly
		m.opts.ReadOnlyReason = msg.err.Error()
		m.opts.Attach = nil
		m.fail("cannot attach: " + msg.err.Error())
		return m, nil
	}
	p := &m.procs[i]
	p.target = msg.t
	m.status, m.statusBad = fmt.Sprintf("attached to pid %d: it keeps running and is detached when mapscope quits", p.pid), false
	cmd, _ := m.startAction(msg.keystroke)
	return m, tea.Batch(cmd, waitExit(p.id, msg.t))
}

// onKill reports the end of a K.
func (m Model) onKill(msg killMsg) (Model, tea.Cmd) {
	i := m.procIndex(msg.id)
	if i < 0 {
		return m, nil
	}
	p := &m.procs[i]
	if msg.err != nil && !errors.Is(msg.err, unix.ESRCH) {
		m.fail(fmt.Sprintf("cannot kill pid %d: %v", p.pid, msg.err))
		return m, nil
	}
	m.status, m.statusBad = fmt.Sprintf("pid %d killed; its tab keeps the last snapshot", p.pid), false
	return m, m.refresh(i)
}

// explainDeath says, in the log and the narration, why a process that a
// call was just made in died of a memory fault.
func (m *Model) explainDeath(i int, status string) {
	if !strings.Contains(status, "SIGSEGV") && !strings.Contains(status, "SIGBUS") {
		return
	}
	p := &m.procs[i]
	last := ""
	for j := len(m.log) - 1; j >= 0; j-- {
		if m.log[j].pid == p.pid {
			last = m.log[j].text
			break
		}
	}
	text := fmt.Sprintf("pid %d was %s: it touched memory it no longer may use.", p.pid, status)
	if last != "" {
		text += " The last call made in it was " + last + ": did it remove or protect the process's code, stack or data?"
	}
	m.addLog(logEntry{pid: p.pid, text: status, bad: true, why: text, fd: -1})
	m.narr.text = text
}
