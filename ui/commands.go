package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"mapscope/procmaps"
)

// snapshotMsg is the result of one refresh: a Source.Read, and when it
// succeeded, the totals and (when the maps changed) the identity.
type snapshotMsg struct {
	id        int // the tab
	snap      *procmaps.Snapshot
	changed   bool
	err       error
	totals    procmaps.Totals
	totalsErr error
	ident     *procmaps.Identity
}

// readSnapshot reads the process once. The model issues it only when no
// other read is in flight: a Source is not safe for concurrent use.
func readSnapshot(id int, src *procmaps.Source) tea.Cmd {
	return func() tea.Msg {
		snap, changed, err := src.Read()
		msg := snapshotMsg{id: id, snap: snap, changed: changed, err: err}
		if err != nil {
			return msg
		}
		msg.totals, msg.totalsErr = procmaps.ReadTotals(src.Root(), src.PID())
		if changed {
			if id, err := procmaps.ReadIdentity(src.Root(), src.PID()); err == nil {
				msg.ident = &id
			}
		}
		return msg
	}
}

// tickMsg asks for the next refresh. gen ties it to the tick chain that
// scheduled it; a tick from an older chain (before a pause, say) is dropped.
type tickMsg struct{ gen int }

// tick schedules the next refresh of chain gen.
func tick(gen int, d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

// smapsMsg carries the smaps entry of the mapping that starts at start.
type smapsMsg struct {
	seq   int
	start uint64
	smaps *procmaps.Smaps
	err   error
}

// readSmaps reads the smaps entry of one mapping.
func readSmaps(root string, pid int, start uint64, seq int) tea.Cmd {
	return func() tea.Msg {
		s, err := procmaps.ReadSmapsAt(root, pid, start)
		return smapsMsg{seq: seq, start: start, smaps: s, err: err}
	}
}
