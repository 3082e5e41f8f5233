package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"mapscope/procmaps"
)

// rowRef points at what one table row shows: a live mapping of the
// snapshot or a ghost. Rows are small so that 65,000 of them are cheap to
// rebuild.
type rowRef struct {
	idx   int32
	ghost bool
}

// rowSet is the table's row list: the live mappings and the ghosts merged
// in address order, filtered. It is rebuilt only when the snapshot, the
// ghosts or the filter change; drawing a frame reads only visible rows.
type rowSet struct {
	live    []procmaps.Mapping
	ghosts  []ghost
	refs    []rowRef
	shown   int    // live mappings that pass the filter
	virtual uint64 // the size of all live mappings
	widths  colWidths
}

// colWidths are the natural widths of the data columns.
type colWidths struct {
	addr, offset, dev, inode, kind int
}

// mapping returns the mapping a row shows.
func (rs *rowSet) mapping(r rowRef) *procmaps.Mapping {
	if r.ghost {
		return &rs.ghosts[r.idx].m
	}
	return &rs.live[r.idx]
}

// buildRows merges live mappings and ghosts in address order (a ghost
// before a live mapping at the same address) and keeps those f matches.
func buildRows(live []procmaps.Mapping, ghosts []ghost, f filter) rowSet {
	rs := rowSet{live: live, ghosts: ghosts, refs: make([]rowRef, 0, len(live)+len(ghosts))}
	w := colWidths{addr: 8, offset: 8, dev: 5, inode: 5, kind: 4}
	note := func(m *procmaps.Mapping) {
		w.addr = max(w.addr, hexLen(m.End))
		w.offset = max(w.offset, hexLen(m.Offset))
		w.dev = max(w.dev, max(2, hexLen(uint64(m.Major)))+1+max(2, hexLen(uint64(m.Minor))))
		w.inode = max(w.inode, decLen(m.Inode))
		w.kind = max(w.kind, len(m.Kind.String()))
	}
	i, j := 0, 0
	for i < len(live) || j < len(ghosts) {
		if j < len(ghosts) && (i == len(live) || ghosts[j].m.Start <= live[i].Start) {
			note(&ghosts[j].m)
			if f.match(&ghosts[j].m) {
				rs.refs = append(rs.refs, rowRef{idx: int32(j), ghost: true})
			}
			j++
			continue
		}
		note(&live[i])
		rs.virtual += live[i].Size()
		if f.match(&live[i]) {
			rs.refs = append(rs.refs, rowRef{idx: int32(i)})
			rs.shown++
		}
		i++
	}
	rs.widths = w
	return rs
}

// find returns the index of the row showing the mapping that starts at
// addr (preferring a live one to a ghost), else the row whose mapping
// contains addr, else the first row after addr; -1 when there are none.
func (rs *rowSet) find(addr uint64, ghost bool) int {
	lo, hi := 0, len(rs.refs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if rs.mapping(rs.refs[mid]).Start < addr {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for k := lo; k < len(rs.refs) && rs.mapping(rs.refs[k]).Start == addr; k++ {
		if rs.refs[k].ghost == ghost {
			return k
		}
	}
	if lo < len(rs.refs) && rs.mapping(rs.refs[lo]).Start == addr {
		return lo
	}
	if lo > 0 && rs.mapping(rs.refs[lo-1]).Contains(addr) {
		return lo - 1
	}
	if lo < len(rs.refs) {
		return lo
	}
	return len(rs.refs) - 1
}

// filter keeps the mappings whose path, permissions or kind contain every
// term. A term in lower case matches any case ("libc" finds "LIBC").
type filter struct {
	terms []string
}

func newFilter(text string) filter {
	return filter{terms: strings.Fields(text)}
}

func (f filter) active() bool { return len(f.terms) > 0 }

func (f filter) match(m *procmaps.Mapping) bool {
	for _, t := range f.terms {
		if !containsSmart(m.Label(), t) && !strings.Contains(m.Perms.String(), t) &&
			!containsSmart(m.Kind.String(), t) {
			return false
		}
	}
	return true
}

// containsSmart reports whether s contains sub, ignoring case when sub has
// no upper-case letter (smart case, as in less and vim).
func containsSmart(s, sub string) bool {
	ascii := true
	for _, r := range sub {
		if unicode.IsUpper(r) {
			return strings.Contains(s, sub)
		}
		ascii = ascii && r < utf8.RuneSelf
	}
	if !ascii {
		return strings.Contains(strings.ToLower(s), sub)
	}
	if sub == "" {
		return true
	}
	first, firstUpper := sub[0], sub[0]
	if first >= 'a' && first <= 'z' {
		firstUpper -= 'a' - 'A'
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if (s[i] == first || s[i] == firstUpper) && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
