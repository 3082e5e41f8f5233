package csrc

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"mapscope/mapping"
)

// Options tune a Machine.
type Options struct {
	// ExitAtEnd makes a forked child that reaches the end of the program
	// exit(0), as a C child returning from main does (`mapscope run`). In
	// the console the program never ends: children wait for more input.
	ExitAtEnd bool
	// MaxSteps bounds the statements one Run may execute (all processes
	// together), so an endless loop ends with an error. 0: 1,000,000.
	MaxSteps int
	// Sleep implements sleep(); nil sleeps for real (bounded by Run's
	// context).
	Sleep func(ctx context.Context, d time.Duration)
	// WaitTimeout bounds how long waitpid waits for a child that no
	// statement can end (killed from outside, say). 0: 5 s.
	WaitTimeout time.Duration
}

// Machine runs a program in a set of processes: the one it starts with and
// every child forked since.
type Machine struct {
	opts     Options
	code     []instr
	procs    []*proc
	declared map[string]bool
	types    map[string]ctype
	events   func(Event)
	steps    int
}

// proc is one process's run of the program.
type proc struct {
	p        Process
	pc       int
	vars     map[string]*variable
	errno    unix.Errno
	parent   *proc
	children []*proc
	forkZero bool      // the next fork() returns 0: this child is finishing its parent's fork statement
	stopped  string    // why the program stopped in this process ("" while it runs)
	ended    bool      // the process exited (or was killed)
	out      []byte    // printf output not yet ended by a newline
	waiting  bool      // blocked in wait/waitpid
	waitFor  int       // the child waited for, -1 for any
	since    time.Time // when the wait began
	reaped   map[int]bool
}

// variable is a named value of one process.
type variable struct {
	t ctype
	v value
}

// value is a C value: integer bits of type t, or a string literal (which
// lives in mapscope, not in the process).
type value struct {
	n uint64
	t ctype
	s *string
}

// New returns a machine whose program will run in first; events receives
// everything the program does, synchronously, from Run's goroutine.
func New(first Process, events func(Event), opts Options) *Machine {
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = 1_000_000
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = 5 * time.Second
	}
	if events == nil {
		events = func(Event) {}
	}
	m := &Machine{opts: opts, declared: map[string]bool{}, events: events}
	m.procs = []*proc{{p: first, vars: map[string]*variable{}}}
	return m
}

// Check reports the syntax error of src, if any, without a process.
func Check(src string) error { return New(nil, nil, Options{}).Load(src) }

// Load parses src and appends it to the program. A syntax error (a
// *SyntaxError naming line and column) loads nothing.
func (m *Machine) Load(src string) error {
	list, err := parse(src)
	if err != nil {
		return err
	}
	c := &compiler{declared: maps.Clone(m.declared), types: maps.Clone(m.types), lines: strings.Split(src, "\n")}
	for _, s := range list {
		c.stmt(s)
	}
	if c.err != nil {
		return c.err
	}
	base := len(m.code)
	// A process whose program stopped at a fault is alive and untouched
	// (mapscope only simulated the crash): new statements run in it.
	for _, p := range m.procs {
		if p.stopped != "" && !p.ended && p.pc < base {
			p.stopped, p.pc = "", base
		}
	}
	for _, in := range c.code {
		if in.kind != opStmt {
			in.to += base
		}
		m.code = append(m.code, in)
	}
	m.declared, m.types = c.declared, c.types
	return nil
}

// Adopt adds child, forked from the process parentPid outside the program
// (the f key), as a child of it: it gets a copy of the parent's variables
// and place, so the following statements run in it too, as after a fork()
// in the program. It reports false when parentPid is not one of the
// program's processes.
func (m *Machine) Adopt(parentPid int, child Process) bool {
	for _, p := range m.procs {
		if p.p.Pid() != parentPid || p.ended {
			continue
		}
		cp := &proc{p: child, pc: p.pc, vars: map[string]*variable{}, errno: p.errno, parent: p}
		for k, v := range p.vars {
			vv := *v
			cp.vars[k] = &vv
		}
		p.children = append(p.children, cp)
		m.procs = append(m.procs, cp)
		return true
	}
	return false
}

// SetEvents replaces the function that receives the events (nil: none).
func (m *Machine) SetEvents(f func(Event)) {
	if f == nil {
		f = func(Event) {}
	}
	m.events = f
}

// Variables lists the names the program has declared so far, sorted.
func (m *Machine) Variables() []string {
	names := slices.Collect(maps.Keys(m.declared))
	slices.Sort(names)
	return names
}

// Processes returns every process the program has run in, the first one
// first, then the children in the order they were forked.
func (m *Machine) Processes() []Process {
	out := make([]Process, len(m.procs))
	for i, p := range m.procs {
		out[i] = p.p
	}
	return out
}

// RuntimeError reports that the program stopped in a process before its
// end: a fault (the process would have crashed), or an error of the
// program.
type RuntimeError struct {
	Pid   int
	Label string
	Pos   Pos
	Msg   string
}

func (e *RuntimeError) Error() string {
	return fmt.Sprintf("%s: [%s] %s", e.Pos, e.Label, e.Msg)
}

// Run executes the loaded program until every process has reached its end,
// stopped, ended, or waits for a child that cannot end. The processes take
// turns, one statement each, in the order they were created. It returns
// the first RuntimeError, if any (the others ran on), or the context's
// error.
func (m *Machine) Run(ctx context.Context) error {
	var first error
	note := func(err error) {
		if first == nil {
			first = err
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			m.flush()
			return err
		}
		progress, waiting := false, false
		for i := 0; i < len(m.procs); i++ { // children forked in this round take their turn in it
			p := m.procs[i]
			if !p.ended {
				if _, gone := p.p.Ended(); gone { // killed from outside (K, kill)
					p.ended = true
				}
			}
			if !m.runnable(p) {
				continue
			}
			if p.waiting {
				if !m.waitReady(p) {
					waiting = true
					continue
				}
				p.waiting = false
			}
			if m.steps++; m.steps > m.opts.MaxSteps {
				m.flush()
				return &RuntimeError{Pid: p.p.Pid(), Label: m.label(p), Pos: m.code[p.pc].pos,
					Msg: fmt.Sprintf("stopped after %d statements: is a loop endless?", m.opts.MaxSteps)}
			}
			if err := m.step(ctx, p); err != nil {
				note(err)
			}
			progress = true
		}
		if m.opts.ExitAtEnd {
			for _, p := range m.procs {
				if p.parent != nil && m.atEnd(p) {
					m.exit(p, 0, m.endPos())
					progress = true
				}
			}
		}
		if progress {
			continue
		}
		if !waiting {
			m.flush()
			return first
		}
		// Only waiters are left: their children end by other means (a
		// kill from outside) or not at all.
		if err := m.pause(ctx); err != nil {
			m.flush()
			return first
		}
	}
}

// pause waits a little for a child to end, failing once every waiter has
// waited longer than WaitTimeout.
func (m *Machine) pause(ctx context.Context) error {
	expired := true
	for _, p := range m.procs {
		if p.waiting && m.runnable(p) && time.Since(p.since) < m.opts.WaitTimeout {
			expired = false
		}
	}
	if expired {
		for _, p := range m.procs {
			if p.waiting && m.runnable(p) {
				m.emit(p, Event{Kind: EvWait, Text: "waits for a child that has not ended (end it with exit() in the child, or kill it)", Pos: m.code[p.pc].pos})
			}
		}
		return errors.New("waiting")
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Millisecond):
		return nil
	}
}

// Waiting lists the processes blocked in wait/waitpid after Run returned.
func (m *Machine) Waiting() []Process {
	var out []Process
	for _, p := range m.procs {
		if p.waiting && m.runnable(p) {
			out = append(out, p.p)
		}
	}
	return out
}

func (m *Machine) runnable(p *proc) bool {
	return !p.ended && p.stopped == "" && p.pc < len(m.code)
}

func (m *Machine) atEnd(p *proc) bool {
	return !p.ended && p.stopped == "" && p.pc >= len(m.code) && !p.waiting
}

func (m *Machine) endPos() Pos {
	if len(m.code) == 0 {
		return Pos{1, 1}
	}
	return m.code[len(m.code)-1].pos
}

// label names a process in output: "parent 811" once it has forked,
// "child 812" for a forked one, else just the PID.
func (m *Machine) label(p *proc) string {
	pid := strconv.Itoa(p.p.Pid())
	switch {
	case p.parent != nil:
		return "child " + pid
	case len(p.children) > 0:
		return "parent " + pid
	}
	return pid
}

func (m *Machine) emit(p *proc, e Event) {
	e.Pid = p.p.Pid()
	e.Label = m.label(p)
	m.events(e)
}

// flush prints output that no newline ended.
func (m *Machine) flush() {
	for _, p := range m.procs {
		if len(p.out) > 0 {
			m.emit(p, Event{Kind: EvOutput, Text: string(p.out)})
			p.out = nil
		}
	}
}

// blocked aborts a statement whose wait must wait: it runs again, whole,
// once the child has ended.
type blocked struct{ pid int }

// halt is a runtime error: the program stops in this process.
type halt struct {
	pos   Pos
	msg   string
	fault bool
}

// step runs the instruction at p.pc.
func (m *Machine) step(ctx context.Context, p *proc) (err error) {
	in := m.code[p.pc]
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if b, ok := r.(blocked); ok {
			if !p.waiting {
				p.since = time.Now()
			}
			p.waiting, p.waitFor = true, b.pid
			return
		}
		h, ok := r.(halt)
		if !ok {
			panic(r)
		}
		kind := EvError
		if h.fault {
			kind = EvFault
		}
		p.stopped = h.msg
		m.emit(p, Event{Kind: kind, Text: h.msg, Pos: h.pos})
		err = &RuntimeError{Pid: p.p.Pid(), Label: m.label(p), Pos: h.pos, Msg: h.msg}
	}()
	ev := &evaluator{m: m, p: p, ctx: ctx, pos: in.pos}
	switch in.kind {
	case opJump:
		p.pc = in.to
	case opJumpIfFalse:
		if ev.eval(in.cond).isZero() {
			p.pc = in.to
		} else {
			p.pc++
		}
	case opStmt:
		ev.stmt(in.s)
		if !p.waiting && !p.ended {
			p.pc++
		}
	}
	return nil
}

// exit ends a process as exit(code) does.
func (m *Machine) exit(p *proc, code int, pos Pos) {
	m.flushProc(p)
	c, err := p.p.Exit(code)
	if errors.Is(err, mapping.ErrRefused) {
		p.stopped = err.Error()
		m.emit(p, Event{Kind: EvError, Text: err.Error(), Pos: pos})
		return
	}
	m.emit(p, Event{Kind: EvCall, Text: c.Text + " = ?", Call: c, Pos: pos})
	p.ended = true
	p.waiting = false
	st, _ := p.p.Ended()
	m.emit(p, Event{Kind: EvExit, Text: st.String(), Pos: pos})
}

func (m *Machine) flushProc(p *proc) {
	if len(p.out) > 0 {
		m.emit(p, Event{Kind: EvOutput, Text: string(p.out)})
		p.out = nil
	}
}

// fork forks p: the child gets a copy of p's variables and place, and will
// run the fork statement again with fork() returning 0.
func (m *Machine) fork(p *proc, pos Pos) (Process, mapping.Call, error) {
	child, c, err := p.p.Fork()
	if err != nil || child == nil {
		return nil, c, err
	}
	cp := &proc{p: child, pc: p.pc, vars: map[string]*variable{}, errno: p.errno, parent: p, forkZero: true}
	for k, v := range p.vars {
		vv := *v
		cp.vars[k] = &vv
	}
	cp.out = append([]byte(nil), p.out...) // stdio's buffer is copied too, as in C
	p.children = append(p.children, cp)
	m.procs = append(m.procs, cp)
	m.emit(p, Event{Kind: EvFork, Child: child, Text: fmt.Sprintf("forked child %d", child.Pid()), Pos: pos})
	return child, c, nil
}

// waitReady reports whether a waiting process's wait can return now: the
// child it waits for (or, for -1, any child) has ended, or it has none.
func (m *Machine) waitReady(p *proc) bool {
	live := 0
	for _, c := range p.children {
		if c.p.Pid() != p.waitFor && p.waitFor != -1 {
			continue
		}
		if _, ended := c.p.Ended(); ended {
			return true
		}
		live++
	}
	return live == 0
}
