package lessons

import (
	"context"
	"fmt"

	"mapscope/mapping"
	"mapscope/mapping/csrc"
)

// Runner runs a lesson's steps in its subjects: process A, and process B
// when a step asks for it. Each subject has its own program (a csrc
// Machine), and children each forks.
type Runner struct {
	lesson   Lesson
	spawn    func() (mapping.Target, error)
	events   func(process string, e csrc.Event)
	machines map[string]*csrc.Machine
	targets  map[string]mapping.Target
	next     int
}

// NewRunner prepares l. spawn starts a fresh subject (it is called for A
// at the first step that has code, and for B when a step first needs it);
// events receives what every step does, with the process letter.
func NewRunner(l Lesson, spawn func() (mapping.Target, error), events func(process string, e csrc.Event)) *Runner {
	if events == nil {
		events = func(string, csrc.Event) {}
	}
	return &Runner{lesson: l, spawn: spawn, events: events,
		machines: map[string]*csrc.Machine{}, targets: map[string]mapping.Target{}}
}

// SetEvents replaces the function that receives the events (nil: none).
// It takes effect for processes started afterwards and for those already
// running.
func (r *Runner) SetEvents(f func(process string, e csrc.Event)) {
	if f == nil {
		f = func(string, csrc.Event) {}
	}
	r.events = f
}

// Lesson is the lesson being run.
func (r *Runner) Lesson() Lesson { return r.lesson }

// Next is the index of the step Step will run; len(Steps) at the end.
func (r *Runner) Next() int { return r.next }

// Target returns the subject for process "A" or "B", nil before it starts.
func (r *Runner) Target(process string) mapping.Target { return r.targets[process] }

// Machine returns the program of process "A" or "B", nil before it starts.
func (r *Runner) Machine(process string) *csrc.Machine { return r.machines[process] }

// Step runs the next step and returns it. A step whose code fails (a
// syntax error is a bug in the lesson; a fault may be the point of it)
// returns the error after running what it could.
func (r *Runner) Step(ctx context.Context) (Step, error) {
	if r.next >= len(r.lesson.Steps) {
		return Step{}, fmt.Errorf("the lesson %s has no step %d", r.lesson.Name, r.next+1)
	}
	s := r.lesson.Steps[r.next]
	r.next++
	if s.Code == "" {
		return s, nil
	}
	m, err := r.machine(s.Process)
	if err != nil {
		return s, err
	}
	if err := m.Load(s.Code); err != nil {
		return s, fmt.Errorf("lesson %s, step %d (line %d): %w", r.lesson.Name, r.next, s.Line, err)
	}
	return s, m.Run(ctx)
}

// Start starts the subject of process "A" or "B" now, if it has not been
// started yet (a presenter going back wants to see the fresh process even
// at a step without code).
func (r *Runner) Start(process string) error {
	_, err := r.machine(process)
	return err
}

// machine returns the program of a process, starting its subject first.
func (r *Runner) machine(process string) (*csrc.Machine, error) {
	if m, ok := r.machines[process]; ok {
		return m, nil
	}
	t, err := r.spawn()
	if err != nil {
		return nil, fmt.Errorf("starting process %s: %w", process, err)
	}
	r.targets[process] = t
	m := csrc.New(csrc.Adapt(t), func(e csrc.Event) { r.events(process, e) }, csrc.Options{}) // r.events read at each event
	r.machines[process] = m
	return m, nil
}
