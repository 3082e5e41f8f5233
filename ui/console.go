package ui

import (
	"context"
	"errors"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"mapscope/mapping"
	"mapscope/mapping/csrc"
)

// console is the C console (:): a line editor whose statements run, as C,
// in the process on screen and in every child they fork.
type console struct {
	open     bool
	input    textinput.Model
	pending  string   // the lines of a statement not finished yet ({ without })
	history  []string // statements run, oldest first
	hpos     int      // the history entry shown while browsing; len(history): the new line
	draft    string   // the new line, kept while browsing history
	machines []*consoleMachine
}

// consoleMachine is one program: the statements typed into the console on
// one process, which runs them and its forked children.
type consoleMachine struct {
	m    *csrc.Machine
	pids map[int]bool // the processes it runs in
}

// consoleMsg is the result of running console input.
type consoleMsg struct {
	mc     *consoleMachine
	events []csrc.Event
	err    error
}

func newConsole() console {
	in := textinput.New()
	in.Prompt = "c> "
	in.Placeholder = "C, as the log prints it: int* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);"
	in.CharLimit = 1 << 16
	return console{input: in}
}

// machineFor returns the program that runs in the process on screen,
// starting one when the process has none.
func (m *Model) machineFor(p *proc) *consoleMachine {
	for _, mc := range m.console.machines {
		if mc.pids[p.pid] {
			return mc
		}
	}
	mc := &consoleMachine{pids: map[int]bool{p.pid: true}}
	mc.m = csrc.New(csrc.Adapt(p.target), nil, csrc.Options{})
	m.console.machines = append(m.console.machines, mc)
	return mc
}

// openConsole gives the console the keyboard.
func (m *Model) openConsole() tea.Cmd {
	m.console.open = true
	m.console.hpos = len(m.console.history)
	m.resize()
	return m.console.input.Focus()
}

// onConsoleKey handles a key while the console is open.
func (m Model) onConsoleKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	c := &m.console
	switch msg.String() {
	case "ctrl+c":
		m.quitting = true
		return m, tea.Quit
	case "esc":
		c.open, c.pending = false, ""
		c.input.Blur()
		c.input.Prompt = "c> "
		m.echo = echo(msg, "close console")
		m.resize()
		return m, nil
	case "enter":
		src := c.pending + c.input.Value()
		return m.submit(src)
	case "up", "down":
		m.browseHistory(msg.String() == "up")
		return m, nil
	case "tab":
		m.complete()
		return m, nil
	}
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(msg)
	return m, cmd
}

// onConsolePaste runs a pasted block of several lines as it is; a single
// line is typed into the input.
func (m Model) onConsolePaste(msg tea.PasteMsg) (Model, tea.Cmd) {
	// Terminals send a pasted line break as CR.
	msg.Content = strings.ReplaceAll(strings.ReplaceAll(msg.Content, "\r\n", "\n"), "\r", "\n")
	if !strings.Contains(msg.Content, "\n") {
		var cmd tea.Cmd
		m.console.input, cmd = m.console.input.Update(msg)
		return m, cmd
	}
	return m.submit(m.console.pending + m.console.input.Value() + msg.Content)
}

// submit loads src into the program of the process on screen and runs it.
// An unfinished statement waits for more lines; a syntax error is shown
// with its caret and nothing runs.
func (m Model) submit(src string) (Model, tea.Cmd) {
	c := &m.console
	p := m.p()
	switch {
	case strings.TrimSpace(src) == "":
		c.pending = ""
		c.input.Prompt = "c> "
		return m, nil
	case m.busy:
		m.fail("a call is still running; enter again when it has returned")
		return m, nil
	case p.exited || p.target == nil:
		m.fail("this process cannot run C: it has exited or mapscope may not act on it")
		return m, nil
	}
	mc := m.machineFor(p)
	err := mc.m.Load(csrc.FromLog(src)) // a line copied from the log runs its call again
	var se *csrc.SyntaxError
	if errors.As(err, &se) && se.Incomplete {
		c.pending = src + "\n"
		c.input.SetValue("")
		c.input.Prompt = "…> "
		return m, nil
	}
	c.pending = ""
	c.input.Prompt = "c> "
	c.input.SetValue("")
	if len(c.history) == 0 || c.history[len(c.history)-1] != src {
		c.history = append(c.history, src)
	}
	c.hpos = len(c.history)
	if err != nil {
		lines := strings.Split(err.Error(), "\n")
		m.addLog(logEntry{pid: p.pid, text: lines[0], bad: true, extra: lines[1:], fd: -1})
		m.fail("syntax error: " + lines[0] + " (↑ brings the line back)")
		return m, nil
	}
	m.busy = true
	m.status, m.statusBad = "running…", false
	return m, runConsole(mc)
}

// runConsole runs what was loaded, collecting the events.
func runConsole(mc *consoleMachine) tea.Cmd {
	return func() tea.Msg {
		var evs []csrc.Event
		mc.m.SetEvents(func(e csrc.Event) { evs = append(evs, e) })
		err := mc.m.Run(context.Background())
		mc.m.SetEvents(nil)
		return consoleMsg{mc: mc, events: evs, err: err}
	}
}

// onConsole takes in what the program did: log lines, new tabs for the
// children it forked, the cursor on the mapping it touched, and a refresh
// of every tab.
func (m Model) onConsole(msg consoleMsg) (Model, tea.Cmd) {
	m.busy = false
	m.narr.text = ""
	cmds, _ := m.takeEvents(msg.events, func(e csrc.Event) tea.Cmd { return m.adoptChild(msg.mc, e) })
	var re *csrc.RuntimeError
	switch {
	case errors.As(msg.err, &re):
		m.fail(re.Error())
	case msg.err != nil:
		m.fail(msg.err.Error())
	default:
		if w := msg.mc.m.Waiting(); len(w) > 0 {
			m.status, m.statusBad = "a process waits in waitpid for a child that has not ended: end the child (exit() in it, or K)", false
		} else {
			m.status, m.statusBad = "", false
		}
	}
	return m, tea.Batch(cmds...)
}

// adoptChild makes a tab of a child the program forked.
func (m *Model) adoptChild(mc *consoleMachine, e csrc.Event) tea.Cmd {
	tr, ok := csrc.Target(e.Child).(*mapping.Tracee)
	if !ok {
		return nil
	}
	mc.pids[tr.Pid()] = true
	_, cmd := m.openTab(tr, "child", e.Pid)
	return cmd
}

// takeEvents takes in what a C program did (at the console or in a lesson
// step): log lines, the objects it created, a tab for each child it forked
// (onFork), the cursor on the mapping it last touched in each process, and
// a refresh of every tab. It returns the commands and the process of the
// last event.
func (m *Model) takeEvents(evs []csrc.Event, onFork func(csrc.Event) tea.Cmd) (cmds []tea.Cmd, lastPid int) {
	touched := map[int]uint64{}
	for _, e := range evs {
		if e.Kind == csrc.EvFork {
			cmds = append(cmds, onFork(e))
			continue
		}
		le := logEntry{pid: e.Pid, label: e.Label, text: e.Text, fd: -1, created: e.Call.Created, removed: e.Call.Removed}
		switch e.Kind {
		case csrc.EvCall:
			if e.Call.Failed() {
				le.bad, le.why = true, why(e.Call)
			}
		case csrc.EvOutput:
			le.output = true
		case csrc.EvFault, csrc.EvError:
			le.bad = true
		}
		if e.Addr != 0 {
			touched[e.Pid] = e.Addr
		}
		lastPid = e.Pid
		m.noteObject(le)
		m.addLog(le)
	}
	for i := range m.procs {
		if a, ok := touched[m.procs[i].pid]; ok {
			m.procs[i].selectAddr = a
		}
		cmds = append(cmds, m.refresh(i))
	}
	return cmds, lastPid
}

// browseHistory moves through the statements run before.
func (m *Model) browseHistory(up bool) {
	c := &m.console
	if c.hpos == len(c.history) {
		c.draft = c.input.Value()
	}
	switch {
	case up && c.hpos > 0:
		c.hpos--
	case !up && c.hpos < len(c.history):
		c.hpos++
	default:
		return
	}
	v := c.draft
	if c.hpos < len(c.history) {
		v = strings.ReplaceAll(c.history[c.hpos], "\n", " ")
	}
	c.input.SetValue(v)
	c.input.CursorEnd()
}

// complete completes the name before the cursor: a function, a constant,
// or a variable of the program.
func (m *Model) complete() {
	c := &m.console
	v := c.input.Value()
	i := len(v)
	for i > 0 && isNameByte(v[i-1]) {
		i--
	}
	prefix := v[i:]
	if prefix == "" {
		return
	}
	names := csrc.Names()
	for _, mc := range m.console.machines { // the program of this process, if it has one
		if mc.pids[m.p().pid] {
			names = append(names, mc.m.Variables()...)
		}
	}
	var matches []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) && !slices.Contains(matches, n) {
			matches = append(matches, n)
		}
	}
	switch len(matches) {
	case 0:
		m.status, m.statusBad = "no name starts with "+prefix, false
		return
	case 1:
		c.input.SetValue(v[:i] + matches[0])
		c.input.CursorEnd()
		return
	}
	common := matches[0]
	for _, n := range matches[1:] {
		for !strings.HasPrefix(n, common) {
			common = common[:len(common)-1]
		}
	}
	c.input.SetValue(v[:i] + common)
	c.input.CursorEnd()
	slices.Sort(matches)
	m.status, m.statusBad = strings.Join(matches, "  "), false
}

func isNameByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// consoleView draws the console: the call log above, the input line, and
// a hint.
func (m *Model) consoleView(w, h int) string {
	st := &m.styles
	var out []string
	if h > 2 {
		out = append(out, strings.Split(m.logView(w, h-2), "\n")...)
	}
	m.console.input.SetWidth(max(1, w-len(m.console.input.Prompt)-2))
	out = append(out, fitWidth(" "+m.console.input.View(), w))
	out = append(out, fitWidth(" "+st.FieldMeaning.Render("enter runs · paste runs several lines · ↑↓ history · tab completes · esc closes"), w))
	return strings.Join(out[max(0, len(out)-h):], "\n")
}
