package ui

import (
	"charm.land/bubbles/v2/key"
)

// KeyMap holds every key binding of the viewer. It is the one place the
// keys are defined: the handlers, the help screen, the short help line and
// the README's key table are all generated from it.
type KeyMap struct {
	// Moving around the table.
	Up, Down, PageUp, PageDown, Home, End key.Binding

	// The view.
	Detail, DetailUp, DetailDown key.Binding
	MemBack, MemForward          key.Binding
	MemPageBack, MemPageForward  key.Binding
	AddrMap                      key.Binding
	Back, Pause, Help, Quit      key.Binding

	// The filter: "/" opens it; while it is typed, enter keeps it and
	// esc clears it.
	Filter, FilterKeep, FilterClear key.Binding

	// Actions on the watched process (product description §3).
	Mmap, Munmap, Mprotect, Msync, Madvise key.Binding
	Write, Read, Fork, NewSubject          key.Binding
	Open, Ftruncate, Close, Unlink, Kill   key.Binding
	Console, NextProcess, PrevProcess      key.Binding
	Split, Lessons                         key.Binding
	StepNext, StepPrev, Narration          key.Binding
	ShmPanel, FDPanel                      key.Binding
}

// KeyGroup is a named group of bindings, in the order help shows them.
type KeyGroup struct {
	Name     string
	Bindings []key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown: b("pgdn", "page down", "pgdown", "ctrl+f"),
		Home:     b("g/home", "first mapping", "g", "home"),
		End:      b("G/end", "last mapping", "G", "end"),

		Detail:         b("enter", "detail", "enter"),
		DetailUp:       b("ctrl+u", "scroll detail up", "ctrl+u", "shift+up"),
		DetailDown:     b("ctrl+d", "scroll detail down", "ctrl+d", "shift+down"),
		MemBack:        b("[", "memory view back", "["),
		MemForward:     b("]", "memory view forward", "]"),
		MemPageBack:    b("{", "memory view: previous page", "{"),
		MemPageForward: b("}", "memory view: next page", "}"),
		AddrMap:        b("M", "address-space map on/off", "M"),
		Back:           b("esc", "back", "esc"),
		Pause:          b("space", "pause", "space"),
		Help:           b("?", "help", "?"),
		Quit:           b("q", "quit", "q", "ctrl+c"),

		Filter:      b("/", "filter", "/"),
		FilterKeep:  b("enter", "keep filter", "enter"),
		FilterClear: b("esc", "clear filter", "esc"),

		Mmap:        b("m", "mmap…", "m"),
		Munmap:      b("u", "munmap…", "u"),
		Mprotect:    b("p", "mprotect…", "p"),
		Msync:       b("s", "msync…", "s"),
		Madvise:     b("a", "madvise…", "a"),
		Write:       b("w", "write…", "w"),
		Read:        b("r", "read…", "r"),
		Fork:        b("f", "fork", "f"),
		NewSubject:  b("n", "new subject", "n"),
		Open:        b("o", "open / shm_open…", "o"),
		Ftruncate:   b("t", "ftruncate…", "t"),
		Close:       b("c", "close…", "c"),
		Unlink:      b("x", "unlink…", "x"),
		Kill:        b("K", "kill process", "K"),
		Console:     b(":", "C console", ":"),
		NextProcess: b("tab", "next process", "tab"),
		PrevProcess: b("shift+tab", "previous process", "shift+tab"),
		Split:       b("v", "split view", "v"),
		Lessons:     b("L", "lessons", "L"),
		StepNext:    b("→", "lesson: next step", "right"),
		StepPrev:    b("←", "lesson: step back", "left"),
		Narration:   b("N", "narration on/off", "N"),
		ShmPanel:    b("S", "/dev/shm panel", "S"),
		FDPanel:     b("F", "file descriptors panel", "F"),
	}
}

// Groups returns every binding, grouped and ordered for the help screen and
// the README's key table.
func (k KeyMap) Groups() []KeyGroup {
	return []KeyGroup{
		{Name: "Move", Bindings: []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End}},
		{Name: "View", Bindings: []key.Binding{k.Detail, k.DetailUp, k.DetailDown, k.MemBack, k.MemForward, k.MemPageBack, k.MemPageForward, k.AddrMap, k.Back, k.Pause, k.Help, k.Quit}},
		{Name: "Filter", Bindings: []key.Binding{k.Filter, k.FilterKeep, k.FilterClear}},
		{Name: "Memory", Bindings: []key.Binding{k.Mmap, k.Munmap, k.Mprotect, k.Msync, k.Madvise, k.Write, k.Read}},
		{Name: "Processes and files", Bindings: []key.Binding{
			k.Fork, k.NewSubject, k.Kill, k.NextProcess, k.PrevProcess, k.Split,
			k.Open, k.Ftruncate, k.Close, k.Unlink, k.ShmPanel, k.FDPanel,
		}},
		{Name: "Teaching", Bindings: []key.Binding{k.Console, k.Lessons, k.StepNext, k.StepPrev, k.Narration}},
	}
}

// ShortHelp returns the bindings of the always-visible help line
// (help.KeyMap).
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Down, k.Up, k.Detail, k.Filter, k.Pause, k.Help, k.Quit}
}

// FullHelp returns the bindings as columns, one per group (help.KeyMap;
// help leaves the disabled ones out).
func (k KeyMap) FullHelp() [][]key.Binding {
	var cols [][]key.Binding
	for _, g := range k.Groups() {
		cols = append(cols, g.Bindings)
	}
	return cols
}

// filterHelp is the short help while the filter is being typed.
type filterHelp struct{ k KeyMap }

func (f filterHelp) ShortHelp() []key.Binding { return []key.Binding{f.k.FilterKeep, f.k.FilterClear} }

func (f filterHelp) FullHelp() [][]key.Binding { return [][]key.Binding{f.ShortHelp()} }
