package ui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"mapscope/procmaps"
)

// shmDir is where POSIX shared memory objects live.
const shmDir = "/dev/shm"

// panels are the /dev/shm and file-descriptor panels, refreshed with the
// snapshot while shown.
type panels struct {
	shm, fds bool // shown
	reading  bool // a read is in flight
	again    bool // asked for while one was: read again when it lands
	seq      int  // number of the latest read; older results are dropped

	shmData []procmaps.ShmObject
	shmErr  error
	fdData  []procmaps.FD
	fdErr   error
	fdPid   int
}

// panelsMsg carries a fresh read of the panels.
type panelsMsg struct {
	seq    int
	shm    []procmaps.ShmObject
	shmErr error
	fds    []procmaps.FD
	fdErr  error
	pid    int
}

// panelMax is the most entries a panel lists.
const panelMax = 6

// requestPanels reads what the shown panels show: /dev/shm with every
// watched process, and the open descriptors of the process on screen.
func (m *Model) requestPanels() tea.Cmd {
	if !m.panels.shm && !m.panels.fds {
		return nil
	}
	if m.panels.reading {
		m.panels.again = true
		return nil
	}
	m.panels.reading, m.panels.again = true, false
	m.panels.seq++
	seq := m.panels.seq
	root, shm, fds, pid := m.opts.Root, m.panels.shm, m.panels.fds, m.p().pid
	// Who maps what comes from the tabs' own snapshots, not a second read
	// of every process's maps.
	byPid := map[int][]procmaps.Mapping{}
	for i := range m.procs {
		if p := &m.procs[i]; !p.exited && p.snap != nil {
			byPid[p.pid] = p.snap.Mappings
		}
	}
	return func() tea.Msg {
		msg := panelsMsg{seq: seq, pid: pid}
		if shm {
			msg.shm, msg.shmErr = procmaps.ShmObjects(shmDir, byPid)
		}
		if fds {
			msg.fds, msg.fdErr = procmaps.ReadFDs(root, pid)
		}
		return msg
	}
}

// onPanels stores a read, and reads again if that was asked for meanwhile
// (a toggle, a refresh after an action).
func (m *Model) onPanels(msg panelsMsg) tea.Cmd {
	if msg.seq != m.panels.seq {
		return nil
	}
	m.panels.reading = false
	m.panels.shmData, m.panels.shmErr = msg.shm, msg.shmErr
	m.panels.fdData, m.panels.fdErr, m.panels.fdPid = msg.fds, msg.fdErr, msg.pid
	if m.panels.again {
		return m.requestPanels()
	}
	return nil
}

// panelsHeight is how many lines the shown panels want.
func (m *Model) panelsHeight() int {
	if m.height < 20 {
		return 0
	}
	return len(m.panelLines(m.width))
}

// panelLines draws the shown panels.
func (m *Model) panelLines(w int) []string {
	st := &m.styles
	var out []string
	if m.panels.shm {
		out = append(out, rule(st, "/dev/shm — POSIX shared memory (S hides)", w))
		switch {
		case m.panels.shmErr != nil:
			out = append(out, fitWidth(" "+st.StatusError.Render(printable(m.panels.shmErr.Error())), w))
		case len(m.panels.shmData) == 0:
			out = append(out, fitWidth(" "+st.Placeholder.Render("empty: no object, and none unlinked but still mapped"), w))
		}
		for i, o := range m.panels.shmData {
			if i == panelMax {
				out = append(out, fitWidth(st.FieldMeaning.Render(fmt.Sprintf(" … %d more", len(m.panels.shmData)-i)), w))
				break
			}
			who := "mapped by no watched process"
			if len(o.MappedBy) > 0 {
				var ps []string
				for _, p := range o.MappedBy {
					ps = append(ps, strconv.Itoa(p))
				}
				who = "mapped by " + strings.Join(ps, ", ")
			}
			line := fmt.Sprintf(" %-20s %6s  %-8s %s  %s", printable(o.Name), procmaps.FormatSize(uint64(o.Size)), printable(o.Owner), o.Mode.Perm(), who)
			style := st.Command
			if o.Deleted {
				line = fmt.Sprintf(" %-20s %6s  %s  — name gone (shm_unlink), memory stays until the last munmap", printable(o.Name)+" (deleted)", procmaps.FormatSize(uint64(o.Size)), who)
				style = st.Note
			}
			out = append(out, fitWidth(style.Render(line), w))
		}
	}
	if m.panels.fds {
		out = append(out, rule(st, fmt.Sprintf("file descriptors of pid %d (F hides)", m.panels.fdPid), w))
		if m.panels.fdErr != nil {
			out = append(out, fitWidth(" "+st.StatusError.Render(printable(m.panels.fdErr.Error())), w))
		}
		for i, f := range m.panels.fdData {
			if i == panelMax {
				out = append(out, fitWidth(st.FieldMeaning.Render(fmt.Sprintf(" … %d more", len(m.panels.fdData)-i)), w))
				break
			}
			out = append(out, fitWidth(st.Command.Render(fmt.Sprintf(" %3d  %-40s %s", f.Num, printable(f.Target), f.Mode)), w))
		}
	}
	return out
}
