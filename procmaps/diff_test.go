package procmaps

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// mustParse parses maps lines written without the kernel's padding.
func mustParse(t *testing.T, lines ...string) []Mapping {
	t.Helper()
	ms := make([]Mapping, 0, len(lines))
	for _, l := range lines {
		m, err := ParseLine([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}

func (d Detail) testString() string {
	var s []string
	for bit, name := range map[Detail]string{PermsChanged: "PermsChanged", Resized: "Resized", Split: "Split", Merged: "Merged", Replaced: "Replaced"} {
		if d&bit != 0 {
			s = append(s, name)
		}
	}
	slices.Sort(s)
	return strings.Join(s, "|")
}

func changeString(c Change) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %s", c.Kind, c.Detail.testString())
	for _, m := range c.Old {
		fmt.Fprintf(&b, "\n    - %s", format(m))
	}
	for _, m := range c.New {
		fmt.Fprintf(&b, "\n    + %s", format(m))
	}
	return b.String()
}

func TestDiff(t *testing.T) {
	const (
		a       = "00001000-00002000 r--p 00000000 fe:00 5 /usr/lib/liba.so"
		heap    = "00003000-00004000 rw-p 00000000 00:00 0 [heap]"
		anon    = "00005000-00006000 rw-p 00000000 00:00 0"
		another = "00007000-00008000 rw-p 00000000 00:00 0"
	)
	type want struct {
		kind     ChangeKind
		detail   Detail
		old, new []int // indexes into the old and new lists
	}
	tests := []struct {
		name     string
		old, new []string
		want     []want
	}{
		{
			name: "identical",
			old:  []string{a, heap, anon},
			new:  []string{a, heap, anon},
		},
		{
			name: "added",
			old:  []string{a, anon},
			new:  []string{a, heap, anon},
			want: []want{{kind: Added, new: []int{1}}},
		},
		{
			name: "added at the end",
			old:  []string{a},
			new:  []string{a, anon},
			want: []want{{kind: Added, new: []int{1}}},
		},
		{
			name: "removed",
			old:  []string{a, heap, anon},
			new:  []string{a, anon},
			want: []want{{kind: Removed, old: []int{1}}},
		},
		{
			name: "removed first",
			old:  []string{a, heap},
			new:  []string{heap},
			want: []want{{kind: Removed, old: []int{0}}},
		},
		{
			name: "heap grows",
			old:  []string{a, heap, another},
			new:  []string{a, "00003000-00004800 rw-p 00000000 00:00 0 [heap]", another},
			want: []want{{kind: Changed, detail: Resized, old: []int{1}, new: []int{1}}},
		},
		{
			name: "stack grows down",
			old:  []string{"7ffc28d40000-7ffc28d61000 rw-p 00000000 00:00 0 [stack]"},
			new:  []string{"7ffc28d3f000-7ffc28d61000 rw-p 00000000 00:00 0 [stack]"},
			want: []want{{kind: Changed, detail: Resized, old: []int{0}, new: []int{0}}},
		},
		{
			name: "mprotect of the middle splits in three",
			old:  []string{"00010000-00013000 r--p 00000000 fe:00 5 /usr/lib/libb.so"},
			new: []string{
				"00010000-00011000 r--p 00000000 fe:00 5 /usr/lib/libb.so",
				"00011000-00012000 rw-p 00001000 fe:00 5 /usr/lib/libb.so",
				"00012000-00013000 r--p 00002000 fe:00 5 /usr/lib/libb.so",
			},
			want: []want{{kind: Changed, detail: Split | PermsChanged, old: []int{0}, new: []int{0, 1, 2}}},
		},
		{
			name: "two adjacent become one",
			old: []string{
				"00010000-00011000 rw-p 00000000 00:00 0",
				"00011000-00012000 rw-p 00000000 00:00 0",
			},
			new:  []string{"00010000-00012000 rw-p 00000000 00:00 0"},
			want: []want{{kind: Changed, detail: Merged, old: []int{0, 1}, new: []int{0}}},
		},
		{
			name: "mprotect makes neighbours merge",
			old: []string{
				"00010000-00011000 rw-p 00000000 00:00 0",
				"00011000-00012000 r--p 00000000 00:00 0",
				"00012000-00013000 rw-p 00000000 00:00 0",
			},
			new:  []string{"00010000-00013000 rw-p 00000000 00:00 0"},
			want: []want{{kind: Changed, detail: Merged | PermsChanged, old: []int{0, 1, 2}, new: []int{0}}},
		},
		{
			name: "munmap of the middle page leaves a hole",
			old:  []string{"00010000-00013000 r--p 00000000 fe:00 5 /usr/lib/libb.so"},
			new: []string{
				"00010000-00011000 r--p 00000000 fe:00 5 /usr/lib/libb.so",
				"00012000-00013000 r--p 00002000 fe:00 5 /usr/lib/libb.so",
			},
			want: []want{{kind: Changed, detail: Split | Resized, old: []int{0}, new: []int{0, 1}}},
		},
		{
			name: "anonymous hole",
			old:  []string{"00010000-00013000 rw-p 00000000 00:00 0"},
			new: []string{
				"00010000-00011000 rw-p 00000000 00:00 0",
				"00012000-00013000 rw-p 00000000 00:00 0",
			},
			want: []want{{kind: Changed, detail: Split | Resized, old: []int{0}, new: []int{0, 1}}},
		},
		{
			name: "MAP_FIXED with another file over the same range",
			old:  []string{a, "00010000-00013000 r--p 00000000 fe:00 5 /usr/lib/libb.so"},
			new:  []string{a, "00010000-00013000 r--p 00000000 fe:00 77 /usr/share/c.dat"},
			want: []want{{kind: Changed, detail: Replaced, old: []int{1}, new: []int{1}}},
		},
		{
			name: "same file, other offset",
			old:  []string{"00010000-00013000 r--p 00000000 fe:00 5 /usr/lib/libb.so"},
			new:  []string{"00010000-00013000 r--p 00004000 fe:00 5 /usr/lib/libb.so"},
			want: []want{{kind: Changed, detail: Replaced, old: []int{0}, new: []int{0}}},
		},
		{
			name: "anonymous memory over a file",
			old:  []string{"00010000-00013000 r--p 00000000 fe:00 5 /usr/lib/libb.so"},
			new:  []string{"00010000-00013000 r--p 00000000 00:00 0"},
			want: []want{{kind: Changed, detail: Replaced, old: []int{0}, new: []int{0}}},
		},
		{
			name: "several independent changes, in address order",
			old: []string{
				a,    // 0: perms change
				heap, // 1: grows
				anon, // 2: removed
				"00009000-0000a000 r--p 00000000 00:00 0", // 3: unchanged
				"0000c000-0000d000 rw-p 00000000 00:00 0", // 4: removed
			},
			new: []string{
				"00001000-00002000 rw-p 00000000 fe:00 5 /usr/lib/liba.so", // 0
				"00003000-00004800 rw-p 00000000 00:00 0 [heap]",           // 1
				another, // 2: added
				"00009000-0000a000 r--p 00000000 00:00 0", // 3
				"0000e000-0000f000 rw-p 00000000 00:00 0", // 4: added
			},
			want: []want{
				{kind: Changed, detail: PermsChanged, old: []int{0}, new: []int{0}},
				{kind: Changed, detail: Resized, old: []int{1}, new: []int{1}},
				{kind: Removed, old: []int{2}},
				{kind: Added, new: []int{2}},
				{kind: Removed, old: []int{4}},
				{kind: Added, new: []int{4}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old, new := mustParse(t, tc.old...), mustParse(t, tc.new...)
			got := Diff(old, new)
			var want []Change
			for _, w := range tc.want {
				c := Change{Kind: w.kind, Detail: w.detail}
				for _, i := range w.old {
					c.Old = append(c.Old, old[i])
				}
				for _, j := range w.new {
					c.New = append(c.New, new[j])
				}
				want = append(want, c)
			}
			checkChanges(t, got, want)
			// Diff of a list with itself is always empty.
			if same := Diff(new, new); len(same) != 0 {
				t.Errorf("Diff(new, new) = %d changes, want none", len(same))
			}
		})
	}
}

func checkChanges(t *testing.T, got, want []Change) {
	t.Helper()
	equal := len(got) == len(want)
	for i := 0; equal && i < len(got); i++ {
		g, w := got[i], want[i]
		equal = g.Kind == w.Kind && g.Detail == w.Detail && slices.Equal(g.Old, w.Old) && slices.Equal(g.New, w.New)
	}
	if equal {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "got %d changes:", len(got))
	for _, c := range got {
		b.WriteString("\n  " + changeString(c))
	}
	fmt.Fprintf(&b, "\nwant %d:", len(want))
	for _, c := range want {
		b.WriteString("\n  " + changeString(c))
	}
	t.Error(b.String())
}
