package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"mapscope/mapping"
	"mapscope/mapping/csrc"
	"mapscope/procmaps"
)

// stdin is where `mapscope run -` reads the program (tests replace it).
var stdin io.Reader = os.Stdin

// runEvent is one line of `mapscope run --json`'s events.
type runEvent struct {
	Pid   int    `json:"pid"`
	Label string `json:"label"`
	Kind  string `json:"kind"`
	Text  string `json:"text"`
}

var eventKinds = map[csrc.EventKind]string{
	csrc.EvCall: "call", csrc.EvOutput: "output", csrc.EvMemory: "memory", csrc.EvFork: "fork",
	csrc.EvExit: "exit", csrc.EvFault: "fault", csrc.EvError: "error", csrc.EvWait: "wait",
}

// runProgram is `mapscope run`: the console's language without the screen.
// It starts a fresh subject (or attaches to -p PID), runs the program
// statement by statement in it and in every child it forks, prints each
// call and output line labelled by process, and with --maps the mapping
// table of every process still alive at the end. Exit status: 0 when
// every statement ran (a call that returns -1 is a result), 1 when the
// program could not run to its end, 2 for a syntax error.
func runProgram(cfg config, stdout, stderr io.Writer) int {
	var src []byte
	var err error
	if cfg.run == "-" {
		src, err = io.ReadAll(stdin)
	} else {
		src, err = os.ReadFile(cfg.run)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mapscope: cannot read the program: %v\n", err)
		return exitUsage
	}
	// Check the text before any process is started or touched.
	src = []byte(csrc.FromLog(string(src))) // lines of a log or of an earlier run's output run again
	if err := csrc.Check(string(src)); err != nil {
		fmt.Fprintf(stderr, "mapscope: %s: %v\n", cfg.run, err)
		return exitUsage
	}

	lab := &labs{}
	defer lab.closeAll()
	var t mapping.Target
	if cfg.pid != 0 {
		if err := procmaps.CheckReadable(procRoot, cfg.pid); err != nil {
			fmt.Fprintf(stderr, "mapscope: %s\n", explain(cfg.pid, err))
			return exitUsage
		}
		t, err = lab.attach(cfg.pid)
	} else {
		t, err = lab.spawn(nil)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mapscope: %v\n", err)
		return exitFailure
	}

	var events []runEvent
	var created []string
	m := csrc.New(csrc.Adapt(t), func(e csrc.Event) {
		if e.Call.Created != "" {
			created = append(created, e.Call.Created)
		}
		if e.Kind == csrc.EvFork {
			return // the fork() call line says it
		}
		if cfg.json {
			events = append(events, runEvent{Pid: e.Pid, Label: e.Label, Kind: eventKinds[e.Kind], Text: e.Text})
			return
		}
		fmt.Fprintln(stdout, e.String())
	}, csrc.Options{ExitAtEnd: true})
	if err := m.Load(string(src)); err != nil {
		fmt.Fprintf(stderr, "mapscope: %s: %v\n", cfg.run, err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	runErr := m.Run(ctx)

	var reports []procmaps.Report
	if cfg.runMaps {
		for _, p := range m.Processes() {
			if _, ended := p.Ended(); ended {
				continue
			}
			r, err := report(p.Pid())
			if err != nil {
				fmt.Fprintf(stderr, "mapscope: pid %d: %s\n", p.Pid(), explain(p.Pid(), err))
				continue
			}
			reports = append(reports, r)
			if !cfg.json {
				fmt.Fprintf(stdout, "\n== pid %d (%s) ==\n", p.Pid(), r.Comm)
				if err := procmaps.WriteTable(stdout, r); err != nil {
					fmt.Fprintf(stderr, "mapscope: %v\n", err)
				}
			}
		}
	}
	if cfg.json {
		out := struct {
			Events    []runEvent        `json:"events"`
			Processes []procmaps.Report `json:"processes,omitempty"`
			Error     string            `json:"error,omitempty"`
		}{Events: events, Processes: reports}
		if runErr != nil {
			out.Error = runErr.Error()
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "mapscope: %v\n", err)
			return exitFailure
		}
	}
	// What the program created outlives it, as it would a C program: say so.
	for _, c := range created {
		if _, err := os.Lstat(c); err == nil {
			fmt.Fprintf(stderr, "mapscope: %s, created by the program, remains (remove it with rm, or shm_unlink in C)\n", c)
		}
	}
	var re *csrc.RuntimeError
	switch {
	case errors.As(runErr, &re):
		fmt.Fprintf(stderr, "mapscope: %s: the program stopped at %v\n", cfg.run, re)
		return exitFailure
	case runErr != nil:
		fmt.Fprintf(stderr, "mapscope: %s: %v\n", cfg.run, runErr)
		return exitFailure
	}
	for _, p := range m.Waiting() {
		fmt.Fprintf(stderr, "mapscope: pid %d was still waiting for a child at the end\n", p.Pid())
		return exitFailure
	}
	return exitOK
}

// report reads one process as `mapscope maps` shows it.
func report(pid int) (procmaps.Report, error) {
	id, err := procmaps.ReadIdentity(procRoot, pid)
	if err != nil {
		return procmaps.Report{}, err
	}
	snap, _, err := procmaps.NewSource(procRoot, pid).Read()
	if err != nil {
		return procmaps.Report{}, err
	}
	totals, err := procmaps.ReadTotals(procRoot, pid)
	if err != nil {
		return procmaps.Report{}, err
	}
	smaps, err := procmaps.ReadAllSmaps(procRoot, pid)
	if err != nil {
		return procmaps.Report{}, err
	}
	return procmaps.NewReport(id, totals, snap, smaps), nil
}
