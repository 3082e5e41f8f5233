package lessons

import "testing"

// TestProcessDirectiveAlone: a comment block that is only "@process B"
// makes the code after it run in B (not in a third process named ""), and
// a block that is only "@process A" adds no empty step.
func TestProcessDirectiveAlone(t *testing.T) {
	l, err := Parse("demo", `// # demo — directives without narration

// In A.
int x = 1;

// @process B
int y = 2;

// @process A

// Back in A.
int z = 3;
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Narration: "In A.", Code: "int x = 1;", Process: "A", Line: 3},
		{Code: "int y = 2;", Process: "B", Line: 6},
		{Narration: "Back in A.", Code: "int z = 3;", Process: "A", Line: 11},
	}
	if len(l.Steps) != len(want) {
		t.Fatalf("%d steps, want %d: %+v", len(l.Steps), len(want), l.Steps)
	}
	for i, w := range want {
		if l.Steps[i] != w {
			t.Errorf("step %d = %+v\nwant %+v", i, l.Steps[i], w)
		}
	}
}
