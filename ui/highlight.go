package ui

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"mapscope/procmaps"
)

// markKind says how a row differs from the previous snapshot.
type markKind uint8

const (
	markNone markKind = iota
	markAdded
	markChanged
	markRemoved
)

// symbol is the one-character marker of the leading column.
func (k markKind) symbol() byte {
	switch k {
	case markAdded:
		return '+'
	case markChanged:
		return '~'
	case markRemoved:
		return '-'
	}
	return ' '
}

// mark is the highlight of a live mapping that was added or changed.
type mark struct {
	kind markKind
	note string // how it changed: "split", "perms, resized"
	at   time.Time
}

// ghost is a mapping (or the part of one) that is gone but stays on
// screen, fading, for a while.
type ghost struct {
	m  procmaps.Mapping
	at time.Time
}

// highlights remembers what recent refreshes changed, until ttl passes.
type highlights struct {
	ttl    time.Duration
	marks  map[uint64]mark // by the start address of a live mapping
	ghosts []ghost         // ascending by start address
}

// apply records the changes of one refresh made at now. It reports whether
// ghosts were added (the row list must then be rebuilt).
func (h *highlights) apply(changes []procmaps.Change, now time.Time) bool {
	if len(changes) == 0 {
		return false
	}
	// Copy before writing: the model is a value, and an older copy of it
	// must not see this refresh's highlights.
	h.marks = maps.Clone(h.marks)
	if h.marks == nil {
		h.marks = make(map[uint64]mark)
	}
	h.ghosts = slices.Clone(h.ghosts)
	added := false
	for _, c := range changes {
		for _, o := range c.Old {
			delete(h.marks, o.Start)
		}
		switch c.Kind {
		case procmaps.Added:
			for _, n := range c.New {
				h.marks[n.Start] = mark{kind: markAdded, note: "new", at: now}
			}
		case procmaps.Removed:
			for _, o := range c.Old {
				h.addGhost(ghost{m: o, at: now})
				added = true
			}
		case procmaps.Changed:
			for _, n := range c.New {
				h.marks[n.Start] = mark{kind: markChanged, note: changeNote(rowDetail(c, n)), at: now}
			}
			for _, piece := range uncovered(c.Old, c.New) {
				h.addGhost(ghost{m: piece, at: now})
				added = true
			}
		}
	}
	return added
}

// addGhost inserts g in address order, replacing a ghost with the same
// start address.
func (h *highlights) addGhost(g ghost) {
	i := sort.Search(len(h.ghosts), func(i int) bool { return h.ghosts[i].m.Start >= g.m.Start })
	if i < len(h.ghosts) && h.ghosts[i].m.Start == g.m.Start {
		h.ghosts[i] = g
		return
	}
	h.ghosts = append(h.ghosts, ghost{})
	copy(h.ghosts[i+1:], h.ghosts[i:])
	h.ghosts[i] = g
}

// expire forgets the highlights older than ttl at now. It reports whether
// ghosts went away (the row list must then be rebuilt).
func (h *highlights) expire(now time.Time) bool {
	if !h.active() {
		return false
	}
	marks := make(map[uint64]mark, len(h.marks))
	for addr, mk := range h.marks {
		if h.step(mk.at, now) < fadeSteps {
			marks[addr] = mk
		}
	}
	h.marks = marks
	var kept []ghost
	for _, g := range h.ghosts {
		if h.step(g.at, now) < fadeSteps {
			kept = append(kept, g)
		}
	}
	gone := len(kept) != len(h.ghosts)
	h.ghosts = kept
	return gone
}

// active reports whether anything is highlighted.
func (h *highlights) active() bool { return len(h.marks) > 0 || len(h.ghosts) > 0 }

// step returns how far a highlight made at `at` has faded by now: 0 is
// fresh, fadeSteps-1 the dimmest, fadeSteps gone.
func (h *highlights) step(at, now time.Time) int {
	if h.ttl <= 0 {
		return fadeSteps
	}
	age := now.Sub(at)
	if age < 0 {
		return 0
	}
	return int(min(int64(age)*fadeSteps/int64(h.ttl), fadeSteps))
}

// rowDetail narrows a change's detail to one of its new mappings: of a
// mapping split by mprotect, only the piece whose permissions changed says
// "perms"; the piece that kept them says "split" alone.
func rowDetail(c procmaps.Change, n procmaps.Mapping) procmaps.Detail {
	d := c.Detail &^ (procmaps.PermsChanged | procmaps.Replaced)
	for _, o := range c.Old {
		if o.End <= n.Start || o.Start >= n.End {
			continue
		}
		if o.Perms != n.Perms {
			d |= procmaps.PermsChanged
		}
		if c.Detail&procmaps.Replaced != 0 && (o.Path != n.Path || o.Inode != n.Inode) {
			d |= procmaps.Replaced
		}
	}
	return d
}

// changeNote says in words how a changed mapping changed.
func changeNote(d procmaps.Detail) string {
	var words []string
	for _, w := range []struct {
		bit  procmaps.Detail
		word string
	}{
		{procmaps.Split, "split"},
		{procmaps.Merged, "merged"},
		{procmaps.PermsChanged, "perms"},
		{procmaps.Resized, "resized"},
		{procmaps.Replaced, "new backing"},
	} {
		if d&w.bit != 0 {
			words = append(words, w.word)
		}
	}
	if len(words) == 0 {
		return "changed"
	}
	return strings.Join(words, ", ")
}

// uncovered returns the parts of the old mappings that no new mapping
// covers any more: the hole a partial munmap leaves, the tail a shrinking
// heap gives back. Both lists are ascending and non-overlapping.
func uncovered(old, new []procmaps.Mapping) []procmaps.Mapping {
	var out []procmaps.Mapping
	j := 0
	for _, o := range old {
		pos := o.Start
		for j < len(new) && new[j].End <= pos {
			j++
		}
		for k := j; k < len(new) && new[k].Start < o.End && pos < o.End; k++ {
			if new[k].Start > pos {
				out = append(out, piece(o, pos, new[k].Start))
			}
			pos = max(pos, new[k].End)
		}
		if pos < o.End {
			out = append(out, piece(o, pos, o.End))
		}
	}
	return out
}

// piece is the part [start, end) of m.
func piece(m procmaps.Mapping, start, end uint64) procmaps.Mapping {
	p := m
	p.Start, p.End = start, end
	if m.Inode != 0 {
		p.Offset += start - m.Start
	}
	return p
}
