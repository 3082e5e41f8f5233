package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// onKey handles a key press: the filter input first when it has the
// keyboard, then the help screen, then the table and the view.
func (m Model) onKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case m.ask != nil:
		return m.onAskKey(msg)
	case m.form != nil:
		return m.onFormKey(msg)
	case m.console.open:
		return m.onConsoleKey(msg)
	case m.lesson.menu:
		return m.onMenuKey(msg)
	}
	if !m.busy {
		m.status, m.statusBad = "", false
	}
	if m.editing {
		return m.onFilterKey(msg)
	}
	if m.split.on && !m.showHelp {
		if cmd, action, ok := m.splitKey(msg); ok {
			m.echo = echo(msg, action)
			return m, cmd
		}
	}
	k := m.keys
	before, _, _ := m.table.selected()
	var cmd tea.Cmd
	action := "nothing"
	page := max(1, m.table.visible()-1)
	switch {
	case key.Matches(msg, k.Quit):
		m.quitting = true
		m.echo = echo(msg, "quit")
		return m, tea.Quit
	case m.showHelp:
		action = m.helpKey(msg)
	case key.Matches(msg, k.Help):
		m.showHelp, m.helpTop, action = true, 0, "help"
	case key.Matches(msg, k.Up):
		m.table.moveBy(-1)
		action = "up"
	case key.Matches(msg, k.Down):
		m.table.moveBy(1)
		action = "down"
	case key.Matches(msg, k.PageUp):
		m.table.moveBy(-page)
		action = "page up"
	case key.Matches(msg, k.PageDown):
		m.table.moveBy(page)
		action = "page down"
	case key.Matches(msg, k.Home):
		m.table.moveTo(0)
		action = "first mapping"
	case key.Matches(msg, k.End):
		m.table.moveTo(len(m.table.rows.refs) - 1)
		action = "last mapping"
	case key.Matches(msg, k.Detail):
		m.detail.shown = !m.detail.shown
		m.detail.scroll = 0
		m.resize()
		cmd = m.requestSmaps()
		action = "detail off"
		if m.detail.shown {
			action = "detail on"
		}
	case key.Matches(msg, k.DetailUp):
		_, h := m.detail.inner()
		m.detail.scrollBy(-max(1, h/2))
		action = "scroll detail up"
	case key.Matches(msg, k.DetailDown):
		_, h := m.detail.inner()
		m.detail.scrollBy(max(1, h/2))
		action = "scroll detail down"
	case key.Matches(msg, k.MemBack, k.MemForward, k.MemPageBack, k.MemPageForward):
		mp, ghost, ok := m.table.selected()
		if !m.detail.shown || !ok || ghost {
			m.status = "the memory view is in the detail pane: enter opens it"
			break
		}
		step := uint64(memRows * 16)
		if key.Matches(msg, k.MemPageBack, k.MemPageForward) {
			step = pageSize
		}
		if key.Matches(msg, k.MemBack, k.MemPageBack) {
			m.detail.memOff -= min(m.detail.memOff, step)
			m.detail.memOff -= m.detail.memOff % step
			action = "memory back"
		} else {
			if next := m.detail.memOff - m.detail.memOff%step + step; next < mp.Size() {
				m.detail.memOff = next
			}
			action = "memory forward"
		}
		if step == pageSize {
			action = map[bool]string{true: "memory: previous page", false: "memory: next page"}[key.Matches(msg, k.MemPageBack)]
		}
		cmd = m.requestSmapsNow()
	case key.Matches(msg, k.Filter):
		m.editing = true
		m.input.SetValue(strings.Join(m.filter.terms, " "))
		m.input.CursorEnd()
		cmd = m.input.Focus()
		action = "filter"
	case key.Matches(msg, k.Back):
		switch {
		case m.filter.active():
			m.input.SetValue("")
			m.setFilter("")
			action = "clear filter"
		case m.detail.shown:
			m.detail.shown = false
			m.resize()
			action = "detail off"
		}
	case key.Matches(msg, k.Pause):
		m, cmd = m.togglePause()
		action = "resume"
		if m.paused {
			action = "pause"
		}
	case key.Matches(msg, k.NextProcess), key.Matches(msg, k.PrevProcess):
		if len(m.procs) < 2 {
			m.status = "only one process: f forks it, n starts another"
			action = "nothing (one process)"
			break
		}
		d := 1
		if key.Matches(msg, k.PrevProcess) {
			d = len(m.procs) - 1
		}
		cmd = m.switchTo((m.cur + d) % len(m.procs))
		action = "process " + strconv.Itoa(m.p().pid)
	case key.Matches(msg, k.AddrMap):
		m.showMap = !m.showMap
		action = map[bool]string{true: "address map on", false: "address map off"}[m.showMap]
	case key.Matches(msg, k.ShmPanel, k.FDPanel):
		if key.Matches(msg, k.ShmPanel) {
			m.panels.shm = !m.panels.shm
			action = map[bool]string{true: "/dev/shm panel on", false: "/dev/shm panel off"}[m.panels.shm]
		} else {
			m.panels.fds = !m.panels.fds
			action = map[bool]string{true: "fd panel on", false: "fd panel off"}[m.panels.fds]
		}
		cmd = m.requestPanels() // (after one in flight, if any: onPanels reads again)
	case key.Matches(msg, k.Split):
		cmd, action = m.toggleSplit()
	case key.Matches(msg, k.Lessons):
		m.lesson.menu, action = true, "lessons"
	case key.Matches(msg, k.StepNext):
		cmd, action = m.stepLesson()
	case key.Matches(msg, k.StepPrev):
		cmd, action = m.backLesson()
	case key.Matches(msg, k.Narration):
		m.narr.hidden = !m.narr.hidden
		action = "narration on"
		if m.narr.hidden {
			action = "narration off"
		}
	case key.Matches(msg, k.NewSubject):
		if m.opts.Spawn == nil {
			m.fail("this mapscope cannot start new subjects")
			break
		}
		if m.busy {
			m.fail("a call is still running; wait for its result")
			break
		}
		m.busy = true
		m.status = "starting a new subject…"
		cmd, action = spawnCmd(m.opts.Spawn), "new subject"
	case m.isAction(msg.String()):
		cmd, action = m.startAction(msg.String())
	}
	m.echo = echo(msg, action)
	return m, tea.Batch(cmd, m.selectionMoved(before))
}

// onFilterKey handles keys while the filter input has the keyboard: the
// filter applies as it is typed; enter keeps it, esc clears it. Of the
// other bindings only those that type no text (ctrl+c, the arrows) work:
// "q" and "j" are letters of the filter.
func (m Model) onFilterKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	before, _, _ := m.table.selected()
	var cmd tea.Cmd
	k, typed := m.keys, msg.Text != ""
	switch {
	case !typed && key.Matches(msg, k.Quit):
		m.quitting = true
		m.echo = echo(msg, "quit")
		return m, tea.Quit
	case key.Matches(msg, k.FilterClear):
		m.editing = false
		m.input.Blur()
		m.input.SetValue("")
		m.setFilter("")
		m.echo = echo(msg, "clear filter")
	case key.Matches(msg, k.FilterKeep):
		m.editing = false
		m.input.Blur()
		m.echo = echo(msg, "keep filter")
	case !typed && key.Matches(msg, k.Up):
		m.table.moveBy(-1)
	case !typed && key.Matches(msg, k.Down):
		m.table.moveBy(1)
	default:
		m.input, cmd = m.input.Update(msg)
		m.setFilter(m.input.Value())
		m.echo = "filter: " + printable(m.input.Value())
	}
	return m, tea.Batch(cmd, m.selectionMoved(before))
}

// helpKey handles a key while the help screen is open.
func (m *Model) helpKey(msg tea.KeyPressMsg) string {
	k := m.keys
	switch {
	case key.Matches(msg, k.Help, k.Back):
		m.showHelp = false
		return "close help"
	case key.Matches(msg, k.Up):
		m.scrollHelp(-1)
	case key.Matches(msg, k.Down):
		m.scrollHelp(1)
	case key.Matches(msg, k.PageUp):
		m.scrollHelp(-10)
	case key.Matches(msg, k.PageDown):
		m.scrollHelp(10)
	case key.Matches(msg, k.Home):
		m.helpTop = 0
	case key.Matches(msg, k.End):
		m.scrollHelp(1 << 20)
	default:
		return "nothing (help is open: ? or esc closes it)"
	}
	return "scroll help"
}

// onClick selects the table row under a left click.
func (m Model) onClick(ms tea.Mouse) (Model, tea.Cmd) {
	if ms.Button != tea.MouseLeft || m.showHelp {
		return m, nil
	}
	s := m.scr
	if s.amap.contains(ms.X, ms.Y) {
		return m.clickMap(ms.Y - s.amap.y)
	}
	if !s.table.contains(ms.X, ms.Y) {
		return m, nil
	}
	i, ok := m.table.rowAt(ms.Y - s.table.y)
	if !ok {
		return m, nil
	}
	before, _, _ := m.table.selected()
	m.table.moveTo(i)
	m.echo = "click → select row"
	return m, m.selectionMoved(before)
}

// onWheel scrolls whatever is under the pointer.
func (m Model) onWheel(ms tea.Mouse) (Model, tea.Cmd) {
	const step = 3
	d := 0
	switch ms.Button {
	case tea.MouseWheelUp:
		d = -step
	case tea.MouseWheelDown:
		d = step
	}
	s := m.scr
	switch {
	case d == 0:
		return m, nil
	case m.showHelp:
		m.scrollHelp(d)
	case s.detail.contains(ms.X, ms.Y):
		m.detail.scrollBy(d)
	default:
		before, _, _ := m.table.selected()
		m.table.scrollBy(d)
		return m, m.selectionMoved(before)
	}
	return m, nil
}

// echo formats the keystroke echo: the key and what it did.
func echo(msg tea.KeyPressMsg, action string) string {
	name := msg.String()
	switch name {
	case "up":
		name = "↑"
	case "down":
		name = "↓"
	case "pgup":
		name = "PgUp"
	case "pgdown":
		name = "PgDn"
	case "right":
		name = "→"
	case "left":
		name = "←"
	}
	return printable(name) + " → " + action
}

// clickMap selects the row of the mapping drawn on line y of the map.
func (m Model) clickMap(y int) (Model, tea.Cmd) {
	p := m.p()
	if p.snap == nil {
		return m, nil
	}
	i, ok := m.amap.rowAt(y)
	if !ok || i >= len(p.snap.Mappings) {
		return m, nil
	}
	before, _, _ := m.table.selected()
	if r := m.table.rows.find(p.snap.Mappings[i].Start, false); r >= 0 {
		m.table.moveTo(r)
		m.table.offset = max(0, r-m.table.visible()/2)
		m.table.clamp()
	}
	m.echo = "click → map block"
	return m, m.selectionMoved(before)
}
