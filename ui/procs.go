package ui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"mapscope/mapping"
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
	confirmed  bool   // the user agreed to act on this attached process
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

// procIndexByPID finds a tab by process ID; 0 finds the first tab.
func (m *Model) procIndexByPID(pid int) int {
	if pid == 0 {
		return 0
	}
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
	m.detail.smaps = nil
	return tea.Batch(m.refresh(i), m.selectionMoved(before), m.requestSmapsNow())
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
		return exitedMsg{id: id, status: describeExit(st)}
	}
}

// describeExit says how a process ended, as the header shows it.
func describeExit(st mapping.ExitStatus) string {
	if st.Signal != 0 {
		return st.String()
	}
	return fmt.Sprintf("exited (status %d)", st.Code)
}
