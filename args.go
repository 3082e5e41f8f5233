package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"mapscope/mapping/csrc/lessons"
	"mapscope/ui"
)

const usage = `mapscope — a live microscope for a Linux process's address space

Usage:
  mapscope [flags]                 lab mode: watch a fresh ` + "`sleep infinity`" + ` subject
  mapscope [flags] -- CMD ARGS...  lab mode on a command of your choice
  mapscope [flags] -p PID          watch a running process (also: mapscope PID)
  mapscope [flags] --self          watch mapscope itself
  mapscope maps PID [--json]       print the mapping table (or JSON) and exit
  mapscope run [--maps] [--json] [-p PID] FILE.c|-
                                   run C (the console's language) in a fresh
                                   subject, or in PID; print each call

When standard output is not a terminal, mapscope prints the table and exits.

Flags:
  -p PID             the process to watch
  --self             watch mapscope's own process
  --interval DUR     refresh period (default 500ms; e.g. 250ms, 2s)
  --highlight DUR    how long changes glow and removed rows linger (default 3s)
  --theme NAME       auto, dark, light or projector (high contrast, 7:1)
  --json             with maps or a non-terminal stdout: print JSON
  --lesson NAME      lab mode with a guided lesson (→ steps, ← goes back)
  --lessons          list the lessons
  --keep             keep the files and /dev/shm objects your actions created
                     (by default they are listed and removed on exit)
  --version          print the version
  -h, --help         this help

Environment: NO_COLOR=1 turns colours off.
Exit status: 0 normal, 1 runtime failure, 2 bad usage or unreadable process.
`

var errHelp = errors.New("help requested")

// config is what the command line asked for.
type config struct {
	pid       int
	self      bool
	maps      bool
	json      bool
	version   bool
	interval  time.Duration
	highlight time.Duration
	theme     string
	keep      bool
	lesson    string
	lessons   bool
	run       string   // mapscope run: the program's file, "-" for stdin
	runMaps   bool     // mapscope run --maps
	command   []string // lab mode: the subject's command, empty for sleep infinity
}

func (c config) lab() bool { return c.pid == 0 && !c.self }

func (c config) mode() ui.Mode {
	switch {
	case c.self:
		return ui.ModeSelf
	case c.lab():
		return ui.ModeLab
	}
	return ui.ModeAttached
}

// parseArgs reads the command line. Flags may come before or after the PID;
// everything after "--" is the lab subject's command.
func parseArgs(args []string) (config, error) {
	cfg := config{interval: 500 * time.Millisecond, highlight: 3 * time.Second, theme: "auto"}
	for i, a := range args {
		if a == "--" {
			cfg.command = append([]string{}, args[i+1:]...)
			args = args[:i]
			if len(cfg.command) == 0 {
				return cfg, errors.New("nothing after --: give the command to run, e.g. mapscope -- python3")
			}
			break
		}
	}
	if len(args) > 0 && args[0] == "run" {
		return parseRun(cfg, args[1:])
	}
	if len(args) > 0 && args[0] == "maps" {
		cfg.maps = true
		args = args[1:]
	}

	fs := flag.NewFlagSet("mapscope", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&cfg.pid, "p", 0, "")
	fs.BoolVar(&cfg.self, "self", false, "")
	fs.BoolVar(&cfg.json, "json", false, "")
	fs.BoolVar(&cfg.version, "version", false, "")
	fs.DurationVar(&cfg.interval, "interval", cfg.interval, "")
	fs.DurationVar(&cfg.highlight, "highlight", cfg.highlight, "")
	fs.StringVar(&cfg.theme, "theme", cfg.theme, "")
	fs.BoolVar(&cfg.keep, "keep", false, "")
	fs.StringVar(&cfg.lesson, "lesson", "", "")
	fs.BoolVar(&cfg.lessons, "lessons", false, "")

	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return cfg, err
	}
	if cfg.version {
		return cfg, nil
	}
	if len(positional) > 1 {
		return cfg, fmt.Errorf("unexpected argument %q; see mapscope --help", positional[1])
	}
	if len(positional) == 1 {
		pid, err := strconv.Atoi(positional[0])
		if err != nil || pid <= 0 {
			return cfg, fmt.Errorf("%q is not a process ID (a positive number); see mapscope --help", positional[0])
		}
		if cfg.pid != 0 && cfg.pid != pid {
			return cfg, fmt.Errorf("two PIDs given (%d and %d); watch one at a time", cfg.pid, pid)
		}
		cfg.pid = pid
	}
	switch {
	case cfg.pid < 0:
		return cfg, fmt.Errorf("-p %d is not a process ID (a positive number)", cfg.pid)
	case cfg.maps && cfg.pid == 0 && !cfg.self:
		return cfg, errors.New("maps needs a PID: mapscope maps PID [--json]")
	case cfg.self && cfg.pid != 0:
		return cfg, errors.New("--self and a PID exclude each other: choose one")
	case cfg.lesson != "" && (cfg.pid != 0 || cfg.self || cfg.maps):
		return cfg, errors.New("--lesson starts fresh subjects of its own: it cannot be combined with a PID, --self or maps")
	case cfg.lesson != "" && !slices.Contains(lessons.Names(), cfg.lesson):
		return cfg, fmt.Errorf("no lesson %q: the lessons are %s (mapscope --lessons describes them)", cfg.lesson, strings.Join(lessons.Names(), ", "))
	case len(cfg.command) > 0 && (cfg.pid != 0 || cfg.self):
		return cfg, errors.New("a command after -- starts a new subject; it cannot be combined with a PID or --self")
	case cfg.interval < 10*time.Millisecond:
		return cfg, fmt.Errorf("--interval %v is too short: use 10ms or more", cfg.interval)
	case cfg.highlight < 0:
		return cfg, fmt.Errorf("--highlight %v is negative: use 0 to turn highlighting off", cfg.highlight)
	}
	switch cfg.theme {
	case "auto", "dark", "light", "projector":
	default:
		return cfg, fmt.Errorf("unknown theme %q: use auto, dark, light or projector", cfg.theme)
	}
	return cfg, nil
}

// parseRun reads the arguments of `mapscope run`.
func parseRun(cfg config, args []string) (config, error) {
	fs := flag.NewFlagSet("mapscope run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&cfg.pid, "p", 0, "")
	fs.BoolVar(&cfg.json, "json", false, "")
	fs.BoolVar(&cfg.runMaps, "maps", false, "")
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return cfg, err
	}
	switch {
	case len(positional) == 0:
		return cfg, errors.New("run needs a program: mapscope run FILE.c (or - for standard input)")
	case len(positional) > 1:
		return cfg, fmt.Errorf("unexpected argument %q: run takes one program", positional[1])
	case cfg.pid < 0:
		return cfg, fmt.Errorf("-p %d is not a process ID (a positive number)", cfg.pid)
	}
	cfg.run = positional[0]
	return cfg, nil
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns those.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, fmt.Errorf("%v; see mapscope --help", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
