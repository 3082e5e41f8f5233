package procmaps

// ChangeKind says whether a Change added, removed or changed mappings.
type ChangeKind uint8

// The kinds of change between two snapshots.
const (
	Added ChangeKind = iota
	Removed
	Changed
)

// String returns "added", "removed" or "changed".
func (k ChangeKind) String() string {
	switch k {
	case Added:
		return "added"
	case Removed:
		return "removed"
	default:
		return "changed"
	}
}

// Detail says how a Changed mapping changed; the bits combine.
type Detail uint8

// The ways a mapping can change.
const (
	PermsChanged Detail = 1 << iota // the permissions of some of its pages
	Resized                         // it grew or shrank (brk, stack, mremap)
	Split                           // it became several mappings (mprotect or munmap of a part)
	Merged                          // several mappings became one
	Replaced                        // the backing (file, offset, name) changed
)

// Change is one difference between two snapshots: a group of old mappings
// that overlap a group of new ones. Added has only New, Removed only Old.
type Change struct {
	Kind   ChangeKind
	Detail Detail
	Old    []Mapping
	New    []Mapping
}

// Diff compares two snapshots' mappings (each ascending and non-overlapping,
// as Source returns them). Mappings that overlap in address are compared
// with each other, so a mapping that grows, shrinks, splits or merges is
// one Changed change, not a removal and an addition. Identical mappings
// produce nothing. Diff is linear in the number of mappings.
func Diff(old, new []Mapping) []Change {
	var out []Change
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		if i < len(old) && j < len(new) && old[i].same(new[j]) {
			i++
			j++
			continue
		}
		// Start a group at the lower address and pull in everything on
		// either side that overlaps it.
		i0, j0 := i, j
		var hi uint64
		if j >= len(new) || i < len(old) && old[i].Start <= new[j].Start {
			hi = old[i].End
			i++
		} else {
			hi = new[j].End
			j++
		}
		for grew := true; grew; {
			grew = false
			for i < len(old) && old[i].Start < hi {
				hi = max(hi, old[i].End)
				i++
				grew = true
			}
			for j < len(new) && new[j].Start < hi {
				hi = max(hi, new[j].End)
				j++
				grew = true
			}
		}
		c := Change{Old: old[i0:i:i], New: new[j0:j:j]}
		switch {
		case len(c.Old) == 0:
			c.Kind = Added
		case len(c.New) == 0:
			c.Kind = Removed
		default:
			c.Kind = Changed
			c.Detail = detail(c.Old, c.New)
		}
		out = append(out, c)
	}
	return out
}

func detail(old, new []Mapping) Detail {
	var d Detail
	if len(new) > len(old) {
		d |= Split
	}
	if len(old) > len(new) {
		d |= Merged
	}
	if old[0].Start != new[0].Start || old[len(old)-1].End != new[len(new)-1].End || covered(old) != covered(new) {
		d |= Resized
	}
	for _, o := range old {
		for _, n := range new {
			if n.Start >= o.End || o.Start >= n.End {
				continue
			}
			if n.Perms != o.Perms {
				d |= PermsChanged
			}
			if n.Path != o.Path || n.Inode != o.Inode || n.Major != o.Major || n.Minor != o.Minor ||
				n.Offset-o.Offset != n.Start-o.Start && n.Inode != 0 {
				d |= Replaced
			}
		}
	}
	return d
}

func covered(ms []Mapping) uint64 {
	var n uint64
	for _, m := range ms {
		n += m.Size()
	}
	return n
}

// DiffSnapshots is Diff of two snapshots of one Source. When next is the
// snapshot read right after prev, it compares only the window of lines the
// parser re-read — the rest is the same mappings — which at 64,000
// mappings saves walking both arrays; otherwise it is Diff.
func DiffSnapshots(prev, next *Snapshot) []Change {
	if prev == nil || next == nil {
		return nil
	}
	if !next.hint || next.Seq != prev.Seq+1 || next.PID != prev.PID {
		return Diff(prev.Mappings, next.Mappings)
	}
	oldHi := len(prev.Mappings) - (len(next.Mappings) - next.hi)
	lo := next.lo
	if lo > oldHi || oldHi > len(prev.Mappings) || next.hi > len(next.Mappings) {
		return Diff(prev.Mappings, next.Mappings)
	}
	return Diff(prev.Mappings[lo:oldHi], next.Mappings[lo:next.hi])
}
