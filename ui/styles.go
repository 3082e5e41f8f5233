package ui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"

	"mapscope/procmaps"
)

// Styles is every style the viewer draws with, named by meaning. It is
// built once from a palette (newStyles) and rebuilt when the terminal
// reports its background colour.
type Styles struct {
	// Header.
	AppBadge, PID, Command lipgloss.Style
	Mode, ReadOnly         lipgloss.Style
	Live, Paused, Exited   lipgloss.Style
	TotalLabel, TotalValue lipgloss.Style
	FilterInfo             lipgloss.Style

	// Mapping table.
	ColumnTitle lipgloss.Style
	Kinds       []lipgloss.Style // indexed by procmaps.Kind
	Selected    lipgloss.Style
	Added       [fadeSteps]lipgloss.Style
	Changed     [fadeSteps]lipgloss.Style
	Removed     [fadeSteps]lipgloss.Style
	Placeholder lipgloss.Style // "no mappings match", "reading…"

	// Detail pane.
	PaneBorder, PaneTitle              lipgloss.Style
	FieldKey, FieldValue, FieldMeaning lipgloss.Style
	Note                               lipgloss.Style

	// Action forms, the call log and the process tabs.
	FormFocus, Preview, LogPID lipgloss.Style

	// The page strip.
	PageExclusive, PageCOW, PageShared, PageSwapped lipgloss.Style
	Tab, TabActive, TabGone                         lipgloss.Style

	// Bottom lines and the help screen.
	Status, StatusError, Echo    lipgloss.Style
	HelpTitle, HelpKey, HelpDesc lipgloss.Style
	ShortHelp                    help.Styles
	Input                        textinput.Styles

	// Background and Foreground are set on the terminal itself (the
	// projector theme); nil leaves the terminal's own colours.
	Background, Foreground color.Color

	// mono is true for the NO_COLOR styles: the table then names each
	// row's kind in a column of its own.
	mono bool

	// pairs records every foreground/background combination the styles
	// use, for the contrast test.
	pairs []colorPair
}

// colorPair is one foreground drawn on one background.
type colorPair struct {
	name   string
	fg, bg color.Color
	text   bool // text (4.5:1, 7:1) rather than a rule or border (3:1)
}

// newStyles builds the styles of a theme: "dark", "light", "projector",
// or "auto" (dark or light as isDark says). noColor builds styles that use
// no colour at all, only bold, reverse, faint and strikethrough.
func newStyles(theme string, isDark, noColor bool) Styles {
	if noColor {
		return monoStyles()
	}
	var p palette
	switch theme {
	case "projector":
		p = projectorPalette()
	case "light":
		p = adaptivePalette(false)
	case "dark":
		p = adaptivePalette(true)
	default:
		p = adaptivePalette(isDark)
	}
	return colorStyles(p)
}

// builder makes styles from a palette and records each colour pair.
type builder struct {
	p     palette
	pairs []colorPair
}

// text is a style drawing fg on bg (nil: the theme's background).
func (b *builder) text(name string, fg, bg color.Color) lipgloss.Style {
	s := lipgloss.NewStyle().Foreground(fg).Bold(b.p.bold)
	ref := b.p.bg
	if bg != nil {
		s = s.Background(bg)
		ref = bg
	}
	b.pairs = append(b.pairs, colorPair{name: name, fg: fg, bg: ref, text: true})
	return s
}

func colorStyles(p palette) Styles {
	b := &builder{p: p}
	s := Styles{
		AppBadge:    b.text("app badge", p.onAcc, p.accent).Bold(true).Padding(0, 1),
		PID:         b.text("pid", p.fg, nil).Bold(true),
		Command:     b.text("command", p.fg, nil),
		Mode:        b.text("mode", p.accent, nil).Bold(true),
		ReadOnly:    b.text("read-only mode", p.paused, nil).Bold(true),
		Live:        b.text("live", p.live, nil),
		Paused:      b.text("paused", p.paused, nil).Bold(true),
		Exited:      b.text("exited", p.bad, nil).Bold(true),
		TotalLabel:  b.text("total label", p.muted, nil),
		TotalValue:  b.text("total value", p.fg, nil).Bold(true),
		FilterInfo:  b.text("filter info", p.accent, nil),
		ColumnTitle: b.text("column title", p.muted, nil).Bold(true),
		Placeholder: b.text("placeholder", p.muted, nil),

		PaneTitle:    b.text("pane title", p.fg, nil).Bold(true),
		FieldKey:     b.text("field key", p.fg, nil),
		FieldValue:   b.text("field value", p.fg, nil).Bold(true),
		FieldMeaning: b.text("field meaning", p.muted, nil),
		Note:         b.text("note", p.paused, nil),

		PageExclusive: b.text("page exclusive", p.live, nil),
		PageShared:    b.text("page file/shared", p.kindColor(procmaps.KindShm), nil),
		PageCOW:       b.text("page copy-on-write", p.key, nil),
		PageSwapped:   b.text("page swapped", p.paused, nil),

		FormFocus: b.text("form focus", p.key, nil).Bold(true),
		Preview:   b.text("call preview", p.accent, nil).Bold(true),
		LogPID:    b.text("log pid", p.muted, nil),
		Tab:       b.text("tab", p.muted, nil),
		TabActive: b.text("active tab", p.onAcc, p.accent).Bold(true),
		TabGone:   b.text("exited tab", p.bad, nil).Strikethrough(true),

		Status:      b.text("status", p.muted, nil),
		StatusError: b.text("status error", p.bad, nil).Bold(true),
		Echo:        b.text("key echo", p.key, nil),
		HelpTitle:   b.text("help title", p.fg, nil).Bold(true),
		HelpKey:     b.text("help key", p.key, nil).Bold(true),
		HelpDesc:    b.text("help description", p.muted, nil),
	}
	s.PaneBorder = lipgloss.NewStyle().Foreground(p.border)
	b.pairs = append(b.pairs, colorPair{name: "border", fg: p.border, bg: p.bg})

	for _, k := range procmaps.Kinds() {
		s.Kinds = append(s.Kinds, b.text("kind "+k.String(), p.kindColor(k), nil))
	}
	if p.selBg != nil {
		s.Selected = b.text("selection", p.selFg, p.selBg).Bold(true)
	} else {
		// Reverse video: each row's own colour becomes the background and
		// the theme background the text, so the contrast is unchanged.
		s.Selected = lipgloss.NewStyle().Reverse(true).Bold(true)
	}
	for i := range fadeSteps {
		s.Added[i] = b.text("added", p.addedFg, p.addedBg[i]).Bold(i == 0 || p.bold)
		s.Changed[i] = b.text("changed", p.changedFg, p.changedBg[i]).Bold(i == 0 || p.bold)
		s.Removed[i] = b.text("removed", p.removedFg[i], nil).Strikethrough(true)
	}
	s.ShortHelp = help.Styles{
		ShortKey:       s.HelpKey,
		ShortDesc:      s.HelpDesc,
		ShortSeparator: s.PaneBorder,
		Ellipsis:       s.PaneBorder,
		FullKey:        s.HelpKey,
		FullDesc:       s.HelpDesc,
		FullSeparator:  s.PaneBorder,
	}
	focused := textinput.StyleState{
		Text:        s.Command,
		Placeholder: s.Placeholder,
		Suggestion:  s.Placeholder,
		Prompt:      s.HelpKey,
	}
	s.Input = textinput.Styles{Focused: focused, Blurred: focused, Cursor: textinput.CursorStyle{Color: p.fg}}
	if p.paint {
		s.Background, s.Foreground = p.bg, p.fg
	}
	s.pairs = b.pairs
	return s
}

// monoStyles are the NO_COLOR styles: attributes only. Kinds are told
// apart by the kind column the table adds in this mode.
func monoStyles() Styles {
	plain := lipgloss.NewStyle()
	bold := plain.Bold(true)
	s := Styles{
		AppBadge: bold.Reverse(true).Padding(0, 1), PID: bold, Command: plain,
		Mode: bold, ReadOnly: bold, Live: plain, Paused: bold, Exited: bold.Reverse(true),
		TotalLabel: plain, TotalValue: bold, FilterInfo: bold,
		ColumnTitle: bold, Placeholder: plain.Faint(true),
		PaneBorder: plain, PaneTitle: bold, FieldKey: plain, FieldValue: bold, FieldMeaning: plain,
		Note: bold, Status: plain, StatusError: bold, Echo: plain,
		HelpTitle: bold, HelpKey: bold, HelpDesc: plain,
		Selected: bold.Reverse(true), mono: true,
		FormFocus: bold, Preview: bold, LogPID: plain,
		PageExclusive: bold, PageCOW: plain, PageShared: plain, PageSwapped: plain,
		Tab: plain, TabActive: bold.Reverse(true), TabGone: plain.Strikethrough(true),
	}
	for range procmaps.Kinds() {
		s.Kinds = append(s.Kinds, plain)
	}
	s.Added = [fadeSteps]lipgloss.Style{bold, bold, plain}
	s.Changed = [fadeSteps]lipgloss.Style{bold, bold, plain}
	s.Removed = [fadeSteps]lipgloss.Style{
		plain.Strikethrough(true), plain.Strikethrough(true).Faint(true), plain.Faint(true),
	}
	s.ShortHelp = help.Styles{ShortKey: bold, ShortDesc: plain, ShortSeparator: plain, Ellipsis: plain,
		FullKey: bold, FullDesc: plain, FullSeparator: plain}
	st := textinput.StyleState{Text: plain, Placeholder: plain.Faint(true), Suggestion: plain, Prompt: bold}
	s.Input = textinput.Styles{Focused: st, Blurred: st}
	return s
}

// kind returns the row style of a kind.
func (s *Styles) kind(k procmaps.Kind) lipgloss.Style {
	if int(k) < len(s.Kinds) {
		return s.Kinds[k]
	}
	return s.Command
}
