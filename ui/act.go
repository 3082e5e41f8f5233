package ui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"golang.org/x/sys/unix"

	"mapscope/mapping"
	"mapscope/mapping/csrc"
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
		if b.Enabled() && matchesKey(b, keystroke) {
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

// maxLog is how many entries the call log keeps.
const maxLog = 500

// addLog appends entries to the call log.
func (m *Model) addLog(entries ...logEntry) {
	m.log = append(m.log, entries...)
	if n := len(m.log); n > maxLog {
		m.log = append([]logEntry(nil), m.log[n-maxLog:]...)
	}
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
		open = a.open
	}
	switch op := open.(type) {
	case mapping.OpenOp:
		m.fctx.lastPath, m.fctx.lastShm = op.Path, false
	case mapping.ShmOpenOp:
		m.fctx.lastPath, m.fctx.lastShm = op.Name, true
	case mapping.CloseOp:
		if op.FD == m.fctx.lastFD {
			m.fctx.lastFD = -1
		}
	}
	for _, e := range entries {
		if e.fd >= 0 && !e.bad {
			m.fctx.lastFD = e.fd
		}
		if strings.HasPrefix(e.text, "close("+strconv.Itoa(m.fctx.lastFD)+")") && !e.bad {
			m.fctx.lastFD = -1
		}
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
	j := m.addProc(msg.child.Pid(), "child", parent, msg.child)
	m.procs[j].reading = true
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
	cmds := []tea.Cmd{readSnapshot(m.procs[j].id, m.procs[j].src), waitExit(m.procs[j].id, msg.child)}
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
	j := m.addProc(msg.t.Pid(), "process "+string(rune('B'+extra%25)), 0, msg.t)
	m.status, m.statusBad = fmt.Sprintf("started pid %d, an unrelated process (tab %d): it shares nothing with the others until it maps the same object", msg.t.Pid(), j+1), false
	m.resize()
	return m, tea.Batch(m.switchTo(j), waitExit(m.procs[j].id, msg.t))
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
	p.target, p.confirmed = msg.t, true
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

// logHeight is how many lines the call log panel wants: a title and the
// last entries, at most logLines.
func (m *Model) logHeight() int {
	if len(m.log) == 0 || m.height < 20 {
		return 0
	}
	return 1 + min(len(m.logLines(logLines)), logLines)
}

// logLines is the most lines the call log shows.
const logLines = 6

// logLines returns the last n lines of the call log, oldest first, as
// plain text and whether each is an error.
func (m *Model) logLines(n int) []logLine {
	var out []logLine
	for i := len(m.log) - 1; i >= 0 && len(out) < n; i-- {
		e := m.log[i]
		var lines []logLine
		who := e.label
		if who == "" {
			who = strconv.Itoa(e.pid)
		}
		lines = append(lines, logLine{who: who, text: e.String(), bad: e.bad, output: e.output})
		if e.bad && e.why != "" {
			lines = append(lines, logLine{text: "  " + e.why, note: true})
		}
		for _, x := range e.extra {
			lines = append(lines, logLine{text: "  " + x, note: true})
		}
		for j := len(lines) - 1; j >= 0 && len(out) < n; j-- {
			out = append(out, lines[j])
		}
	}
	for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
		out[l], out[r] = out[r], out[l]
	}
	return out
}

// logLine is one line of the call log panel.
type logLine struct {
	who               string // "811", "parent 811"
	text              string
	bad, note, output bool
}

// logView draws the call log panel: a title rule and the last lines.
func (m *Model) logView(w, h int) string {
	st := &m.styles
	out := []string{rule(st, "call log", w)}
	for _, l := range m.logLines(h - 1) {
		var s string
		switch {
		case l.note:
			s = "          " + st.FieldMeaning.Render(printable(l.text))
		case l.bad:
			s = " " + st.LogPID.Render("["+l.who+"]") + " " + st.StatusError.Render(printable(l.text))
		case l.output:
			s = " " + st.LogPID.Render("["+l.who+"]") + " " + st.FieldValue.Render("» "+printable(l.text))
		default:
			s = " " + st.LogPID.Render("["+l.who+"]") + " " + st.Command.Render(printable(l.text))
		}
		out = append(out, fitWidth(s, w))
	}
	for len(out) < h {
		out = append(out, fitWidth("", w))
	}
	return strings.Join(out[:h], "\n")
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

// Created is one file or POSIX shm object an action created.
type Created struct {
	Path string // absolute: "/dev/shm/my_data", "/tmp/mapscope-demo.dat"
	PID  int    // the process whose call created it
}

// noteObject keeps the list of objects actions created up to date.
func (m *Model) noteObject(e logEntry) {
	if e.created != "" {
		m.created = append(slices.Clone(m.created), Created{Path: e.created, PID: e.pid})
	}
	if e.removed != "" {
		m.created = slices.DeleteFunc(slices.Clone(m.created), func(c Created) bool { return c.Path == e.removed })
	}
}

// Created lists the files and shm objects that actions created and did not
// remove, oldest first: the caller reports them on exit (and removes them
// unless asked to keep them), since they outlive every process.
func (m Model) Created() []Created { return slices.Clone(m.created) }

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
