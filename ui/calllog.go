package ui

// The call log: every call made in the watched processes, as C with its
// result, and the objects those calls created, which outlive the processes.

import (
	"slices"
	"strconv"
	"strings"
)

// maxLog is how many entries the call log keeps.
const maxLog = 500

// addLog appends entries to the call log.
func (m *Model) addLog(entries ...logEntry) {
	m.log = append(m.log, entries...)
	if n := len(m.log); n > maxLog {
		m.log = append([]logEntry(nil), m.log[n-maxLog:]...)
	}
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
