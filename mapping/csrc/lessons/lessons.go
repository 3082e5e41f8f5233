// Package lessons holds mapscope's built-in lessons — one per idea of the
// shared-memory lecture — and runs them step by step.
//
// A lesson is a C file in the console's language (see package csrc) whose
// comments are the narration. Its first line names it:
//
//	// # fork — what a child inherits, and copy-on-write
//
// Then each step is a block of comment lines (the narration, shown in the
// narration panel) followed by the code it runs (possibly none):
//
//	// A private mapping: the child will get its own copy on write.
//	char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
//
// A narration line "@panels shm fds" opens the /dev/shm and file
// descriptor panels when the lesson starts. A narration line "@process B" makes the step's code run in a second,
// unrelated subject ("process B" of the lecture); "@process A" goes back
// to the first. Within a narration block, an empty comment line ("//")
// separates paragraphs; a blank line between two comment blocks starts a
// new step.
package lessons

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
)

//go:embed c/*.c
var files embed.FS

// Step is one step of a lesson.
type Step struct {
	Narration string // the comment block, as plain text (lines joined by spaces, paragraphs by blank lines)
	Code      string // the C the step runs; "" for narration only
	Process   string // "A" (the lesson's subject) or "B" (a second subject)
	Line      int    // where the step starts in the file
}

// Lesson is a named series of steps.
type Lesson struct {
	Name   string // "fork": the file name without .c, as --lesson takes it
	Title  string // "what a child inherits, and copy-on-write"
	Source string // the whole file
	Steps  []Step
	// Panels are the panels the lesson opens: "shm" (/dev/shm), "fds"
	// (file descriptors), from a narration line "@panels shm fds".
	Panels []string
}

// order is the order of the lecture; lessons not listed come after it,
// by name.
var order = []string{"tour", "mmap", "protection", "file", "fork", "posix-shm", "anon-shared"}

// all caches All: the lessons are read from the binary once.
var all = sync.OnceValue(readAll)

// All returns the built-in lessons in lecture order.
func All() []Lesson { return slices.Clone(all()) }

// readAll reads and orders the embedded lessons.
func readAll() []Lesson {
	names, _ := fs.Glob(files, "c/*.c")
	rank := func(n string) int {
		for i, o := range order {
			if o == n {
				return i
			}
		}
		return len(order)
	}
	var out []Lesson
	for _, f := range names {
		data, err := files.ReadFile(f)
		if err != nil {
			continue
		}
		l, err := Parse(strings.TrimSuffix(path.Base(f), ".c"), string(data))
		if err != nil {
			panic(fmt.Sprintf("lesson %s: %v", f, err)) // caught by the tests
		}
		out = append(out, l)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank(out[i].Name), rank(out[j].Name)
		if ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Get returns the lesson called name.
func Get(name string) (Lesson, bool) {
	for _, l := range All() {
		if l.Name == name {
			return l, true
		}
	}
	return Lesson{}, false
}

// Names lists the lessons' names, in lecture order.
func Names() []string {
	var out []string
	for _, l := range All() {
		out = append(out, l.Name)
	}
	return out
}

// Parse reads a lesson's text.
func Parse(name, src string) (Lesson, error) {
	l := Lesson{Name: name, Source: src}
	lines := strings.Split(src, "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "// # ") {
		return l, fmt.Errorf("the first line must be `// # %s — title`", name)
	}
	head := strings.TrimPrefix(lines[0], "// # ")
	n, title, ok := strings.Cut(head, " — ")
	if !ok || strings.TrimSpace(n) != name {
		return l, fmt.Errorf("the first line must be `// # %s — title`, not %q", name, lines[0])
	}
	l.Title = strings.TrimSpace(title)
	process := "A"
	var cur *Step
	var narr []string
	inCode, blank := false, false
	flush := func() {
		if cur != nil {
			cur.Code = strings.TrimSpace(cur.Code)
			if cur.Narration != "" || cur.Code != "" { // a block of @process lines alone is no step
				l.Steps = append(l.Steps, *cur)
			}
			cur = nil
		}
	}
	for i := 1; i < len(lines); i++ {
		raw := lines[i]
		t := strings.TrimSpace(raw)
		isComment := strings.HasPrefix(t, "//")
		switch {
		case isComment && (cur == nil || inCode || blank):
			flush()
			cur = &Step{Line: i + 1, Process: process}
			narr = nil
			inCode, blank = false, false
			fallthrough
		case isComment:
			text := strings.TrimSpace(strings.TrimPrefix(t, "//"))
			if p, ok := strings.CutPrefix(text, "@panels "); ok {
				l.Panels = append(l.Panels, strings.Fields(p)...)
				continue
			}
			if p, ok := strings.CutPrefix(text, "@process "); ok {
				process = strings.TrimSpace(p)
				if process != "A" && process != "B" {
					return l, fmt.Errorf("line %d: @process takes A or B", i+1)
				}
				cur.Process = process
				continue
			}
			narr = append(narr, text)
			cur.Narration = joinNarration(narr)
			cur.Process = process
		case t == "" && !inCode:
			blank = cur != nil // a blank line after narration: a new block of comments is a new step
		default:
			if cur == nil {
				cur = &Step{Line: i + 1, Process: process}
			}
			inCode = true
			cur.Code += raw + "\n"
		}
	}
	flush()
	if len(l.Steps) == 0 {
		return l, fmt.Errorf("no steps")
	}
	return l, nil
}

// joinNarration joins comment lines into sentences; an empty comment line
// separates paragraphs.
func joinNarration(lines []string) string {
	var paras []string
	var cur []string
	for _, l := range lines {
		if l == "" {
			if len(cur) > 0 {
				paras = append(paras, strings.Join(cur, " "))
				cur = nil
			}
			continue
		}
		cur = append(cur, l)
	}
	if len(cur) > 0 {
		paras = append(paras, strings.Join(cur, " "))
	}
	return strings.Join(paras, "\n\n")
}
