// Package ui is mapscope's terminal screen: a Bubble Tea v2 model that
// shows a process's mappings live — a header with identity and totals, a
// virtualised mapping table coloured by kind with changes highlighted, a
// detail pane with the selected mapping's smaps, a filter and a help
// screen. All reading of /proc happens in commands (package procmaps);
// Update only takes in their results.
//
// Typical use, from main:
//
//	m := ui.New(ui.Options{Root: "/proc", PID: pid, Mode: ui.ModeAttached})
//	p := tea.NewProgram(m)
//	go func() { status := wait(pid); p.Send(ui.ExitedMsg{Status: status}) }()
//	_, err := p.Run()
//
// The key bindings live in keymap.go (DefaultKeyMap); KeyMap.Groups feeds
// both the help screen and the README's key table.
package ui
