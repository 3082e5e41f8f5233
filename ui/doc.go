// Package ui is mapscope's terminal screen: a Bubble Tea v2 model that
// shows a process's mappings live — a header with identity and totals, a
// virtualised mapping table coloured by kind with changes highlighted, the
// address-space map, a detail pane with the selected mapping's smaps, page
// strip and memory, the split view, the panels, a filter and a help
// screen — and acts on it: action forms, the C console, lessons, tabs for
// every process. All reading of /proc and every call in a process happen
// in commands (packages procmaps and mapping); Update only takes in their
// results.
//
// Typical use, from main:
//
//	m := ui.New(ui.Options{Root: "/proc", PID: t.Pid(), Mode: ui.ModeLab, Target: t, Spawn: spawn})
//	_, err := tea.NewProgram(m).Run()
//
// The key bindings live in keymap.go (DefaultKeyMap); KeyMap.Groups feeds
// both the help screen and the README's key table.
package ui
