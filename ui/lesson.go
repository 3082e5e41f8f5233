package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"mapscope/mapping"
	"mapscope/mapping/csrc"
	"mapscope/mapping/csrc/lessons"
)

// lessonState is the lesson being presented, if any, and the lesson menu.
type lessonState struct {
	runner  *lessons.Runner
	done    int          // steps run so far
	pids    map[int]bool // the lesson's processes: A, B and their children
	menu    bool         // the menu (L) is open
	menuSel int
}

// lessonMsg is the result of running lesson steps.
type lessonMsg struct {
	runner *lessons.Runner
	events []csrc.Event
	done   int // steps done after this run
	err    error
	replay bool // the steps were replayed in fresh subjects (going back)
}

// narration is the sentence on what just happened, and the lesson step.
type narration struct {
	hidden bool   // N turned it off
	text   string // the last plain action's narration
}

// startLesson begins lesson l: a fresh subject is started at its first
// step with code; nothing runs until →.
func (m *Model) startLesson(l lessons.Lesson) tea.Cmd {
	if m.opts.Spawn == nil {
		m.fail("lessons need fresh subjects, and this mapscope cannot start them")
		return nil
	}
	cmd := m.endLesson()
	// A lesson opened with mapscope --lesson runs in the lab subject the
	// program started; one chosen later gets a fresh subject.
	var reuse mapping.Target
	if p := &m.procs[0]; m.opts.Mode == ModeLab && !p.exited && p.target != nil && len(m.log) == 0 && !m.lessonUsedFirst {
		reuse = p.target
		m.lessonUsedFirst = true
	}
	r := m.newRunner(l, reuse)
	m.lesson = lessonState{runner: r, pids: map[int]bool{}}
	m.status, m.statusBad = fmt.Sprintf("lesson %s: %d steps; → runs the next, ← goes back", l.Name, len(l.Steps)), false
	m.narr.hidden = false
	for _, p := range l.Panels {
		switch p {
		case "shm":
			m.panels.shm = true
		case "fds":
			m.panels.fds = true
		}
	}
	if reuse != nil {
		return tea.Batch(cmd, m.requestPanels())
	}
	// A fresh subject from the start, so the class sees a live process
	// from the first (narration) step on.
	m.busy = true
	start := runLesson(r, 0, true)
	return func() tea.Msg {
		if cmd != nil {
			cmd()
		}
		return start()
	}
}

// newRunner prepares a runner whose subjects are started through the
// program's Spawn; reuse, when not nil, is the first subject.
func (m *Model) newRunner(l lessons.Lesson, reuse mapping.Target) *lessons.Runner {
	spawn := m.opts.Spawn
	return lessons.NewRunner(l, func() (mapping.Target, error) {
		if t := reuse; t != nil {
			reuse = nil
			return t, nil
		}
		t, err := spawn()
		if err != nil {
			return nil, err
		}
		return t, nil
	}, nil)
}

// endLesson closes the lesson's processes and their tabs.
func (m *Model) endLesson() tea.Cmd {
	r := m.lesson.runner
	if r == nil {
		return nil
	}
	targets := []mapping.Target{r.Target("A"), r.Target("B")}
	m.removeTabs(m.lesson.pids)
	m.lesson = lessonState{}
	return func() tea.Msg {
		for _, t := range targets {
			if t != nil {
				t.Close()
			}
		}
		return nil
	}
}

// removeTabs drops the tabs of the given processes.
func (m *Model) removeTabs(pids map[int]bool) {
	cur := m.p().id
	// The first tab stays (with its last snapshot): it is the process
	// mapscope was started on.
	m.procs = slices.DeleteFunc(slices.Clone(m.procs), func(p proc) bool { return pids[p.pid] && p.id != 0 })
	m.cur = 0
	for i := range m.procs {
		if m.procs[i].id == cur {
			m.cur = i
		}
	}
	m.rebuildRows()
}

// stepLesson runs the next step (→).
func (m *Model) stepLesson() (tea.Cmd, string) {
	r := m.lesson.runner
	switch {
	case r == nil:
		m.fail("no lesson: L chooses one")
		return nil, "nothing (no lesson)"
	case m.busy:
		m.fail("the step is still running")
		return nil, "nothing (busy)"
	case m.lesson.done >= len(r.Lesson().Steps):
		m.status, m.statusBad = fmt.Sprintf("that was the last step of %s; ← goes back, L chooses another lesson", r.Lesson().Name), false
		return nil, "nothing (end of lesson)"
	}
	m.busy = true
	return runLesson(r, m.lesson.done+1, false), fmt.Sprintf("step %d", m.lesson.done+1)
}

// backLesson goes back one step (←): the lesson restarts in fresh
// subjects and replays the steps before the current one.
func (m *Model) backLesson() (tea.Cmd, string) {
	r := m.lesson.runner
	switch {
	case r == nil:
		m.fail("no lesson: L chooses one")
		return nil, "nothing (no lesson)"
	case m.busy:
		m.fail("the step is still running")
		return nil, "nothing (busy)"
	case m.lesson.done == 0:
		m.status, m.statusBad = "this is the start of the lesson", false
		return nil, "nothing (start)"
	}
	target := m.lesson.done - 1
	l := r.Lesson()
	closeCmd := m.endLesson()
	nr := m.newRunner(l, nil)
	m.lesson = lessonState{runner: nr, pids: map[int]bool{}}
	m.busy = true
	m.addLog(logEntry{label: "lesson", text: fmt.Sprintf("↺ back to step %d of %s: replaying it in fresh subjects", target, l.Name), fd: -1})
	replay := runLesson(nr, target, true)
	return func() tea.Msg {
		if closeCmd != nil {
			closeCmd() // the old subjects first, then the fresh ones
		}
		return replay()
	}, fmt.Sprintf("back to step %d", target)
}

// runLesson runs the runner's steps up to step `upto` (1-based count of
// steps done) in a command.
func runLesson(r *lessons.Runner, upto int, replay bool) tea.Cmd {
	return func() tea.Msg {
		var evs []csrc.Event
		var err error
		if replay {
			err = r.Start("A")
		}
		r.SetEvents(func(_ string, e csrc.Event) { evs = append(evs, e) })
		for r.Next() < upto && err == nil {
			_, err = r.Step(context.Background())
		}
		r.SetEvents(nil)
		return lessonMsg{runner: r, events: evs, done: r.Next(), err: err, replay: replay}
	}
}

// onLesson takes in a step's result: tabs for new subjects and children,
// log lines, the tab of the step's process on screen with the cursor on
// the mapping it touched.
func (m Model) onLesson(msg lessonMsg) (Model, tea.Cmd) {
	m.busy = false
	if msg.runner != m.lesson.runner {
		return m, nil // a lesson that was left meanwhile
	}
	m.lesson.done = msg.done
	var cmds []tea.Cmd
	for _, letter := range []string{"A", "B"} {
		tr, ok := msg.runner.Target(letter).(*mapping.Tracee)
		if !ok || m.lesson.pids[tr.Pid()] {
			continue
		}
		m.lesson.pids[tr.Pid()] = true
		if m.procIndexByPID(tr.Pid()) >= 0 {
			continue // the lab subject: it has its tab
		}
		_, cmd := m.openTab(tr, "lesson "+letter, 0)
		cmds = append(cmds, cmd)
	}
	more, lastPid := m.takeEvents(msg.events, func(e csrc.Event) tea.Cmd {
		tr, ok := csrc.Target(e.Child).(*mapping.Tracee)
		if !ok {
			return nil
		}
		m.lesson.pids[tr.Pid()] = true
		_, cmd := m.openTab(tr, "child", e.Pid)
		return cmd
	})
	cmds = append(cmds, more...)
	// Show the process the step ran in.
	if lastPid != 0 {
		if i := m.procIndexByPID(lastPid); i >= 0 && i != m.cur {
			cmds = append(cmds, m.switchTo(i))
		}
	} else if r := msg.runner.Target("A"); r != nil {
		if i := m.procIndexByPID(r.Pid()); i >= 0 && i != m.cur {
			cmds = append(cmds, m.switchTo(i))
		}
	}
	if msg.err != nil {
		m.fail(msg.err.Error())
	} else {
		l := msg.runner.Lesson()
		m.status, m.statusBad = fmt.Sprintf("lesson %s: step %d of %d", l.Name, msg.done, len(l.Steps)), false
	}
	return m, tea.Batch(cmds...)
}

// lessonKey handles a key while the lesson menu is open.
func (m Model) onMenuKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	all := lessons.All()
	switch msg.String() {
	case "ctrl+c":
		m.quitting = true
		return m, tea.Quit
	case "esc", "L", "q":
		m.lesson.menu = false
		m.echo = echo(msg, "close lessons")
	case "up", "k":
		m.lesson.menuSel = max(0, m.lesson.menuSel-1)
	case "down", "j":
		m.lesson.menuSel = min(len(all)-1, m.lesson.menuSel+1)
	case "enter":
		if m.busy {
			m.fail("a step or call is still running; choose the lesson when it has returned")
			return m, nil
		}
		m.lesson.menu = false
		if m.lesson.menuSel < len(all) {
			m.echo = echo(msg, "lesson "+all[m.lesson.menuSel].Name)
			return m, m.startLesson(all[m.lesson.menuSel])
		}
	}
	return m, nil
}

// menuView draws the lesson menu over the body.
func (m *Model) menuView(w, h int) string {
	st := &m.styles
	out := []string{rule(st, "lessons — enter starts one, esc closes", w)}
	for i, l := range lessons.All() {
		line := fmt.Sprintf("  %-12s %s (%d steps)", l.Name, l.Title, len(l.Steps))
		if i == m.lesson.menuSel {
			out = append(out, st.Selected.Render(fitWidth(line, w)))
		} else {
			out = append(out, fitWidth(st.Command.Render(line), w))
		}
	}
	for len(out) < h {
		out = append(out, fitWidth("", w))
	}
	return strings.Join(out[:h], "\n")
}

// narrationLines is the narration panel's text, wrapped to w: the lesson
// step (title, step, narration, its code) or the last action's sentence.
func (m *Model) narrationLines(w int) []string {
	if m.narr.hidden || w < 10 {
		return nil
	}
	st := &m.styles
	if r := m.lesson.runner; r != nil {
		l := r.Lesson()
		head := fmt.Sprintf("lesson %s — %s", l.Name, l.Title)
		var text, code string
		switch {
		case m.lesson.done == 0:
			text = fmt.Sprintf("%d steps. Press → to run the first, ← to go back one.", len(l.Steps))
		default:
			s := l.Steps[m.lesson.done-1]
			head += fmt.Sprintf(" · step %d of %d", m.lesson.done, len(l.Steps))
			if s.Process == "B" {
				head += " · process B"
			}
			text, code = s.Narration, s.Code
		}
		out := []string{rule(st, head, w)}
		for _, para := range strings.Split(text, "\n\n") {
			for _, line := range strings.Split(ansi.Wordwrap(para, w-2, ""), "\n") {
				out = append(out, fitWidth(" "+st.Note.Render(line), w))
			}
		}
		for _, line := range strings.Split(code, "\n") {
			if strings.TrimSpace(line) != "" {
				out = append(out, fitWidth(" "+st.Preview.Render(printable(line)), w))
			}
		}
		return out
	}
	if m.narr.text == "" {
		return nil
	}
	out := []string{rule(st, "what happened", w)}
	for _, line := range strings.Split(ansi.Wordwrap(m.narr.text, w-2, ""), "\n") {
		out = append(out, fitWidth(" "+st.Note.Render(line), w))
	}
	return out
}

// maxNarration is the most lines the narration panel takes.
const maxNarration = 9

// narrationHeight is the narration panel's height.
func (m *Model) narrationHeight() int {
	if m.height < 20 {
		return 0
	}
	return min(len(m.narrationLines(m.width)), maxNarration)
}

// explainCall is the narration of a plain action: a sentence or two on what
// the call just did and why, for the calls whose effect surprises.
func explainCall(c mapping.Call) string {
	if c.Failed() {
		return ""
	}
	switch c.Name {
	case "munmap":
		return "munmap removed every page in the range. A mapping the range covered only in part was cut: the pieces outside the range stay mapped, so one mapping can become two."
	case "mprotect":
		return "mprotect changed the protection of whole pages. A mapping covered only in part splits into pieces with different permissions — the rows marked ~ in the table."
	case "shm_unlink":
		return "shm_unlink removed the name from /dev/shm. The memory stays for every process that maps it — shown as (deleted) — until the last munmap; a new shm_open of the name makes a new object."
	case "msync":
		return "msync wrote the mapping's dirty pages back to the file (MS_SYNC waits for the disk). The detail pane's Dirty drops to 0 — except on tmpfs, such as /dev/shm, where pages are never written anywhere."
	case "close":
		return "close freed the descriptor, not the memory: mappings made from it remain, and the file stays open for them."
	case "madvise":
		return "madvise gave the kernel advice. After MADV_DONTNEED the pages are dropped: RSS falls, and private anonymous pages read back as zero."
	case "mmap":
		return "mmap reserved address space. No page is resident yet: RSS in the detail pane stays 0 until the pages are touched."
	case "ftruncate":
		return "ftruncate set the file's size. A new shm object is 0 bytes long: without this, touching its mapping raises SIGBUS."
	}
	return ""
}
