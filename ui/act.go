package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"mapscope/mapping"
)

// The messages of actions, each tied to the tab it ran in.
type (
	// actionMsg: a form's action has run.
	actionMsg struct {
		id      int
		act     action
		entries []logEntry
	}
	// forkMsg: the process forked (or could not).
	forkMsg struct {
		id    int
		child *mapping.Tracee
		call  mapping.Call
		err   error
	}
	// spawnMsg: a new subject started (or could not).
	spawnMsg struct {
		t   *mapping.Tracee
		err error
	}
	// attachMsg: the attach the user confirmed has been made (or refused).
	attachMsg struct {
		id        int
		t         mapping.Target
		err       error
		keystroke string // the action that asked for it, run next
	}
	// killMsg: K ended a process (or could not).
	killMsg struct {
		id  int
		err error
	}
)

// confirm is a yes/no question that must be answered before an action.
type confirm struct {
	question  string
	kind      askKind
	id        int    // the tab it is about
	keystroke string // askAttach: the action to run after
}

type askKind uint8

const (
	askAttach askKind = iota // attach to a process mapscope did not start
	askKill                  // kill the subject or an attached process
	askFork                  // fork a multi-threaded process
)

// screen lays the screen out for the current state.
func (m *Model) screen() screen {
	extra, must := 0, false
	switch {
	case m.form != nil:
		extra, must = m.form.height(), true
	case m.ask != nil:
		extra, must = 3, true
	case m.console.open:
		extra, must = max(m.logHeight(), 4)+2, true
	default:
		extra = m.logHeight() + m.narrationHeight() + m.panelsHeight()
	}
	s := layoutWith(m.width, m.height, m.detail.shown, len(m.procs) > 1, extra, must)
	if m.showMap && s.table.w >= amapAt && s.table.h >= 6 {
		s.amap = rect{s.table.x, s.table.y, amapWidth, s.table.h}
		s.table.x += amapWidth
		s.table.w -= amapWidth
	}
	return s
}

// formFor returns the form an action key opens, or nil for a key that
// acts at once.
func (m *Model) formFor(keystroke string) *form {
	c := m.fctx
	if mp, ghost, ok := m.table.selected(); ok && !ghost {
		sel := *mp
		c.sel = &sel
	}
	k := m.keys
	var b func(formContext) *form
	for _, fb := range []struct {
		k key.Binding
		f func(formContext) *form
	}{
		{k.Mmap, mmapForm}, {k.Munmap, munmapForm}, {k.Mprotect, mprotectForm},
		{k.Msync, msyncForm}, {k.Madvise, madviseForm}, {k.Write, writeForm},
		{k.Read, readForm}, {k.Open, openForm}, {k.Ftruncate, ftruncateForm},
		{k.Close, closeForm}, {k.Unlink, unlinkForm},
	} {
		if matchesKey(fb.k, keystroke) {
			b = fb.f
		}
	}
	if b == nil {
		return nil
	}
	return b(c)
}

// matchesKey reports whether keystroke is one of b's keys.
func matchesKey(b key.Binding, keystroke string) bool {
	for _, k := range b.Keys() {
		if k == keystroke {
			return true
		}
	}
	return false
}

// isAction reports whether keystroke is a key that acts on the process
// (opens a form, forks or kills).
func (m *Model) isAction(keystroke string) bool {
	k := m.keys
	for _, b := range []key.Binding{k.Mmap, k.Munmap, k.Mprotect, k.Msync, k.Madvise, k.Write, k.Read,
		k.Open, k.Ftruncate, k.Close, k.Unlink, k.Fork, k.Kill, k.Console} {
		if matchesKey(b, keystroke) {
			return true
		}
	}
	return false
}

// startAction handles an action key on the tab on screen: it explains why
// the action is off, asks to attach first, opens the form, or acts.
func (m *Model) startAction(keystroke string) (tea.Cmd, string) {
	p := m.p()
	k := m.keys
	if matchesKey(k.Kill, keystroke) {
		return m.startKill()
	}
	switch {
	case p.exited:
		m.fail(fmt.Sprintf("pid %d has exited: nothing can run in it (n starts a new subject)", p.pid))
		return nil, "nothing (exited)"
	case p.target == nil && m.opts.Attach != nil && p.id == 0 && m.opts.Mode == ModeAttached:
		comm := ""
		if p.haveIdent {
			comm = " (" + p.ident.Comm + ")"
		}
		m.ask = &confirm{kind: askAttach, id: p.id, keystroke: keystroke, question: fmt.Sprintf(
			"pid %d%s was not started by mapscope: an injected call can break it. Attach with ptrace and act on it?", p.pid, comm)}
		return nil, "asks to attach"
	case p.target == nil:
		reason := m.opts.ReadOnlyReason
		if reason == "" {
			reason = "mapscope cannot act on this process"
		}
		m.fail("read-only: " + reason)
		return nil, "nothing (read-only)"
	case m.busy:
		m.fail("a call is still running; wait for its result")
		return nil, "nothing (busy)"
	}
	if matchesKey(k.Console, keystroke) {
		return m.openConsole(), "C console"
	}
	if matchesKey(k.Fork, keystroke) {
		if _, self := p.target.(*mapping.Self); self {
			m.fail(mapping.ErrForkSelf.Error())
			return nil, "fork (refused in --self)"
		}
		if p.haveIdent && p.ident.Threads > 1 {
			m.ask = &confirm{kind: askFork, id: p.id, question: fmt.Sprintf(
				"pid %d has %d threads; the child will have only the one that forks, and locks the others hold stay locked in it forever (a malloc may hang). Fork anyway?",
				p.pid, p.ident.Threads)}
			return nil, "asks before forking"
		}
		m.busy = true
		m.status, m.statusBad = "fork() …", false
		return forkCmd(p.id, p.target), "fork"
	}
	fm := m.formFor(keystroke)
	if fm == nil {
		return nil, "nothing"
	}
	m.form = fm
	m.resize()
	return fm.start(), fm.title + " form"
}

// fail puts a message in the status line, as an error.
func (m *Model) fail(msg string) { m.status, m.statusBad = msg, true }

// onAskKey answers the open question: y does it, anything else cancels.
func (m Model) onAskKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	ask := m.ask
	m.ask = nil
	m.resize()
	i := m.procIndex(ask.id)
	if msg.String() != "y" && msg.String() != "Y" || i < 0 {
		m.status, m.statusBad = "cancelled: nothing was done", false
		m.echo = echo(msg, "cancel")
		return m, nil
	}
	p := &m.procs[i]
	switch ask.kind {
	case askAttach:
		m.echo = echo(msg, "attach")
		m.status, m.statusBad = fmt.Sprintf("attaching to pid %d…", p.pid), false
		return m, attachCmd(p.id, p.pid, m.opts.Attach, ask.keystroke)
	case askFork:
		if p.exited || p.target == nil || m.busy {
			m.fail("nothing was forked: the process is gone or busy")
			return m, nil
		}
		m.echo = echo(msg, "fork")
		m.busy = true
		m.status, m.statusBad = "fork() …", false
		return m, forkCmd(p.id, p.target)
	default:
		m.echo = echo(msg, "kill")
		return m, killCmd(p.id, p.target, p.pid, p.id != 0 || m.opts.Mode == ModeLab)
	}
}

// onFormKey handles a key while a form is open.
func (m Model) onFormKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	fm := m.form
	switch msg.String() {
	case "ctrl+c":
		m.quitting = true
		return m, tea.Quit
	case "esc":
		m.form = nil
		m.resize()
		m.status, m.statusBad = fm.title+" cancelled: nothing was sent to the process", false
		m.echo = echo(msg, "cancel "+fm.title)
		return m, nil
	case "enter":
		if fm.act == nil {
			m.fail(fm.firstError())
			m.echo = echo(msg, "refused: a field is invalid")
			return m, nil
		}
		p := m.p()
		if p.exited || p.target == nil {
			m.form = nil
			m.resize()
			m.fail(fmt.Sprintf("pid %d has exited: nothing was sent", p.pid))
			return m, nil
		}
		if m.busy {
			m.fail("a call is still running; enter again when it has returned")
			return m, nil
		}
		m.form = nil
		m.resize()
		m.busy = true
		m.status, m.statusBad = firstLine(fm.act.text())+" …", false
		m.echo = echo(msg, "run "+fm.title)
		return m, runAction(p.id, p.target, fm.act)
	case "tab", "down":
		m.echo = echo(msg, "next field")
		return m, fm.move(1)
	case "shift+tab", "up":
		m.echo = echo(msg, "previous field")
		return m, fm.move(-1)
	}
	m.echo = echo(msg, "edit "+fm.fields[fm.focus].name)
	return m, fm.key(msg)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// runAction runs a form's action in t.
func runAction(id int, t mapping.Target, a action) tea.Cmd {
	return func() tea.Msg { return actionMsg{id: id, act: a, entries: a.run(t)} }
}

// onAction takes in an action's result: log, status line, what the next
// form is prefilled from, and an immediate refresh so that the change is
// highlighted the moment the call returns.
func (m Model) onAction(msg actionMsg) (Model, tea.Cmd) {
	m.busy = false
	m.addLog(msg.entries...)
	for _, e := range msg.entries {
		m.noteObject(e)
	}
	i := m.procIndex(msg.id)
	m.rememberOpen(msg.act, msg.entries)
	if len(msg.entries) > 0 {
		last := msg.entries[len(msg.entries)-1]
		for _, e := range msg.entries {
			if e.bad {
				last = e
				break
			}
		}
		m.status, m.statusBad = last.String(), last.bad
		if last.why != "" {
			m.status += ": " + last.why
		}
		m.narr.text = last.narr // "" clears what an earlier action said
		if i >= 0 {
			for _, e := range msg.entries {
				if e.addr != 0 {
					m.procs[i].selectAddr = e.addr
				}
			}
		}
	}
	if i < 0 {
		return m, nil
	}
	return m, m.refresh(i)
}

// rememberOpen keeps the descriptor and name an action opened (or forgets
// one it closed), for the next form's defaults.
func (m *Model) rememberOpen(a action, entries []logEntry) {
	var open mapping.Op
	switch a := a.(type) {
	case opAction:
		open = a.op
	case mmapFileAction:
		open = a.open // its descriptor is closed again: only the name is kept
	}
	switch op := open.(type) {
	case mapping.OpenOp:
		m.fctx.lastPath, m.fctx.lastShm = op.Path, false
	case mapping.ShmOpenOp:
		m.fctx.lastPath, m.fctx.lastShm = op.Name, true
	case mapping.CloseOp:
		if op.FD == m.fctx.lastFD && !entries[0].bad {
			m.fctx.lastFD = -1
		}
	}
	if _, ok := a.(opAction); ok && len(entries) == 1 && entries[0].fd >= 0 && !entries[0].bad {
		m.fctx.lastFD = entries[0].fd
	}
}

// askView draws the open question.
func (m *Model) askView(w, h int) string {
	st := &m.styles
	out := []string{
		fitWidth(st.PaneBorder.Render(strings.Repeat("─", w)), w),
		fitWidth(" "+st.Note.Render(m.ask.question), w),
		fitWidth(" "+st.HelpKey.Render("y")+st.HelpDesc.Render(" yes · ")+st.HelpKey.Render("any other key")+st.HelpDesc.Render(" no"), w),
	}
	for len(out) < h {
		out = append(out, fitWidth("", w))
	}
	return strings.Join(out[:h], "\n")
}
