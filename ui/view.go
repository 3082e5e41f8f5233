package ui

import (
	"sort"
	"strconv"
	"strings"

	"mapscope/procmaps"
)

// render draws the whole screen: exactly height lines, none wider than
// width.
func (m *Model) render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	s := m.scr
	parts := make([]string, 0, 4)
	if s.header.h > 0 {
		parts = append(parts, m.headerView(s.header.w, s.header.h))
	}
	if s.tabs.h > 0 {
		parts = append(parts, m.tabsView(s.tabs.w))
	}
	if s.body.h > 0 {
		parts = append(parts, m.bodyView(s))
	}
	if s.extra.h > 0 {
		parts = append(parts, m.extraView(s.extra.w, s.extra.h))
	}
	if s.status.h > 0 {
		parts = append(parts, m.statusView(s.status.w))
	}
	if s.help.h > 0 {
		parts = append(parts, m.bottomView(s.help.w, s.status.h == 0))
	}
	return strings.Join(parts, "\n")
}

// bodyView draws the table and the detail pane, or the help screen.
func (m *Model) bodyView(s screen) string {
	if m.showHelp {
		return m.helpView(s.body.w, s.body.h)
	}
	if m.lesson.menu {
		return m.menuView(s.body.w, s.body.h)
	}
	if m.split.on {
		return m.splitViewLines(s.body.w, s.body.h)
	}
	now := m.clock
	tableView := m.table.View(&m.styles, &m.p().hl, now)
	if s.amap.w > 0 {
		tableView = joinColumns(m.addrMapView(s.amap.w, s.amap.h), tableView, s.amap.h)
	}
	switch s.pane {
	case paneRight:
		left := strings.Split(tableView, "\n")
		right := strings.Split(m.detail.View(&m.styles), "\n")
		var b strings.Builder
		for i := range s.body.h {
			if i > 0 {
				b.WriteByte('\n')
			}
			if i < len(left) {
				b.WriteString(left[i])
			}
			if i < len(right) {
				b.WriteString(right[i])
			}
		}
		return b.String()
	case paneBelow:
		return tableView + "\n" + m.detail.View(&m.styles)
	case paneOnly:
		return m.detail.View(&m.styles)
	}
	return tableView
}

// joinColumns puts two blocks of h lines side by side.
func joinColumns(left, right string, h int) string {
	l, r := strings.Split(left, "\n"), strings.Split(right, "\n")
	var b strings.Builder
	for i := range h {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(l) {
			b.WriteString(l[i])
		}
		if i < len(r) {
			b.WriteString(r[i])
		}
	}
	return b.String()
}

// addrMapView draws the address-space map of the tab on screen, the
// selected mapping marked.
func (m *Model) addrMapView(w, h int) string {
	p := m.p()
	var ms []procmaps.Mapping
	if p.snap != nil {
		ms = p.snap.Mappings
	}
	// One column of space between the map's labels and the table.
	lines := strings.Split(m.amap.View(&m.styles, ms, m.selectedIndex(ms), w-1, h), "\n")
	for i := range lines {
		lines[i] += " "
	}
	return strings.Join(lines, "\n")
}

// selectedIndex is the index in ms of the selected live mapping, or -1.
func (m *Model) selectedIndex(ms []procmaps.Mapping) int {
	mp, ghost, ok := m.table.selected()
	if !ok || ghost {
		return -1
	}
	i := sort.Search(len(ms), func(i int) bool { return ms[i].Start >= mp.Start })
	if i < len(ms) && ms[i].Start == mp.Start {
		return i
	}
	return -1
}

// headerView draws the header: who, how, and whether live on the first
// line; the totals and the filter on the second.
func (m *Model) headerView(w, h int) string {
	st := &m.styles
	p := m.p()
	left := st.AppBadge.Render("mapscope") + " " + st.PID.Render("pid "+strconv.Itoa(p.pid))
	if p.haveIdent {
		left += "  " + st.Command.Render(printable(p.ident.Command()))
	}
	mode := st.Mode
	if m.opts.Mode == ModeReadOnly {
		mode = st.ReadOnly
	}
	var state string
	switch {
	case p.exited:
		state = st.Exited.Render("✖ " + printable(p.exitStatus))
	case m.paused:
		state = st.Paused.Render("‖ paused")
	default:
		state = st.Live.Render("● live · " + formatInterval(m.opts.Interval))
	}
	line := joinLR(left, mode.Render(m.opts.Mode.String())+"  "+state+" ", w)
	if h < 2 {
		return line
	}
	return line + "\n" + joinLR(" "+m.totalsView(), m.filterInfo()+" ", w)
}

// totalsView is the totals of the header's second line.
func (m *Model) totalsView() string {
	st := &m.styles
	sep := st.TotalLabel.Render(" · ")
	item := func(label, value string) string {
		return st.TotalLabel.Render(label+" ") + st.TotalValue.Render(value)
	}
	p := m.p()
	if p.snap == nil {
		return st.TotalLabel.Render("reading…")
	}
	size := func(v uint64) string {
		if !p.haveTotals {
			return "–"
		}
		return procmaps.FormatSize(v)
	}
	return st.TotalValue.Render(strconv.Itoa(len(p.snap.Mappings))) + st.TotalLabel.Render(" mappings") + sep +
		item("virtual", procmaps.FormatSize(m.table.rows.virtual)) + sep +
		item("RSS", size(p.totals.Rss)) + sep +
		item("PSS", size(p.totals.Pss)) + sep +
		item("swap", size(p.totals.Swap))
}

// filterInfo says what the filter keeps, or "" when there is none.
func (m *Model) filterInfo() string {
	if !m.filter.active() {
		return ""
	}
	total := 0
	if snap := m.p().snap; snap != nil {
		total = len(snap.Mappings)
	}
	return m.styles.FilterInfo.Render("filter: " + printable(strings.Join(m.filter.terms, " ")) +
		" (" + strconv.Itoa(m.table.rows.shown) + " of " + strconv.Itoa(total) + ")")
}

// statusView is the status line: a message (or the position) on the left,
// the keystroke echo on the right. While the filter is being typed, it is
// the filter input.
func (m *Model) statusView(w int) string {
	if m.editing {
		return fitWidth(m.input.View(), w)
	}
	return joinLR(" "+m.message(), m.styles.Echo.Render(m.echo)+" ", w)
}

// message is the left part of the status line.
func (m *Model) message() string {
	st := &m.styles
	switch {
	case m.status != "" && m.statusBad:
		return st.StatusError.Render(m.status)
	case m.status != "":
		return st.Note.Render(m.status)
	case m.p().readErr != nil:
		return st.StatusError.Render("read failed: " + printable(m.p().readErr.Error()))
	}
	var parts []string
	if m.p().exited {
		parts = append(parts, st.Exited.Render("the process is gone: this is its last snapshot"))
	}
	if m.opts.Mode == ModeReadOnly && m.opts.ReadOnlyReason != "" {
		parts = append(parts, st.ReadOnly.Render("read-only: ")+st.Status.Render(printable(m.opts.ReadOnlyReason)))
	}
	if n := len(m.table.rows.refs); n > 0 {
		parts = append(parts, st.Status.Render("row "+strconv.Itoa(m.table.sel+1)+" of "+strconv.Itoa(n)))
	}
	return strings.Join(parts, st.Status.Render(" · "))
}

// bottomView is the short help line. On short terminals, without a
// status line, it carries the filter input or a message instead.
func (m *Model) bottomView(w int, merged bool) string {
	if merged {
		switch {
		case m.editing:
			return fitWidth(m.input.View(), w)
		case m.status != "" || m.p().readErr != nil:
			return fitWidth(" "+m.message(), w)
		}
	}
	st := &m.styles
	hint := func(pairs ...string) string {
		var parts []string
		for i := 0; i+1 < len(pairs); i += 2 {
			parts = append(parts, st.HelpKey.Render(pairs[i])+" "+st.HelpDesc.Render(pairs[i+1]))
		}
		return fitWidth(" "+strings.Join(parts, st.PaneBorder.Render(" • ")), w)
	}
	switch {
	case m.editing:
		return fitWidth(" "+m.help.View(filterHelp{m.keys}), w)
	case m.form != nil:
		return hint("enter", "run", "tab/↑↓", "field", "←→ space", "option", "esc", "cancel", "ctrl+c", "quit")
	case m.ask != nil:
		return hint("y", "yes", "any other key", "no")
	case m.console.open:
		return hint("enter", "run", "↑↓", "history", "tab", "complete", "esc", "close console")
	case m.lesson.menu:
		return hint("↑↓", "choose", "enter", "start", "esc", "close")
	case m.lesson.runner != nil:
		return hint("→", "next step", "←", "step back", "N", "narration", ":", "console", "?", "help", "q", "quit")
	}
	return fitWidth(" "+m.help.View(m.keys), w)
}

// extraView draws what sits under the table: the open form, the open
// question, or the call log.
func (m *Model) extraView(w, h int) string {
	var out string
	switch {
	case m.form != nil:
		out = m.form.view(&m.styles, w)
	case m.ask != nil:
		return m.askView(w, h)
	case m.console.open:
		return m.consoleView(w, h)
	default:
		narr := m.narrationLines(w)
		out := narr[:min(len(narr), maxNarration, h)]
		pl := m.panelLines(w)
		out = append(out, pl[:min(len(pl), h-len(out))]...)
		if h > len(out) {
			out = append(out, m.logView(w, h-len(out)))
		}
		return strings.Join(out, "\n")
	}
	lines := strings.Split(out, "\n")
	if len(lines) > h { // a form taller than its room: keep the focused field in view, then the preview
		start := min(max(0, m.form.focusLine()-1), len(lines)-h)
		lines = lines[start : start+h]
	}
	for len(lines) < h {
		lines = append(lines, fitWidth("", w))
	}
	return strings.Join(lines, "\n")
}
