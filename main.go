// Command mapscope is a live, interactive terminal microscope for a Linux
// process's address space. See README.md for the ways to start it.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/sys/unix"

	"mapscope/mapping"
	"mapscope/mapping/csrc/lessons"
	"mapscope/procmaps"
	"mapscope/ui"
)

// version is the program's version, printed by --version.
const version = "0.1.0-dev"

// Exit codes of product.md §1.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const procRoot = "/proc"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stdout)))
}

// run is main without os.Exit, so tests can call it; tty says whether
// stdout is a terminal (else the table is printed instead of the screen).
func run(args []string, stdout, stderr io.Writer, tty bool) int {
	cfg, err := parseArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "mapscope: %v\n", err)
		return exitUsage
	}
	if cfg.version {
		fmt.Fprintf(stdout, "mapscope %s\n", version)
		return exitOK
	}
	if cfg.run != "" {
		return runProgram(cfg, stdout, stderr)
	}
	if cfg.lessons {
		for _, l := range lessons.All() {
			fmt.Fprintf(stdout, "%-12s %s (%d steps)\n", l.Name, l.Title, len(l.Steps))
		}
		fmt.Fprintln(stdout, "\nmapscope --lesson NAME opens one; → runs the next step, ← goes back.")
		return exitOK
	}

	// Lab mode: start the subject first, so every other path is the same.
	var lab *labs
	mode := cfg.mode()
	if cfg.lab() {
		lab = &labs{}
		defer lab.closeAll()
		t, err := lab.spawn(cfg.command)
		if err != nil {
			fmt.Fprintf(stderr, "mapscope: %v\n", err)
			return exitFailure
		}
		cfg.pid = t.Pid()
	}
	if cfg.self {
		cfg.pid = os.Getpid()
	}

	if err := procmaps.CheckReadable(procRoot, cfg.pid); err != nil {
		fmt.Fprintf(stderr, "mapscope: %s\n", explain(cfg.pid, err))
		if lab != nil {
			return exitFailure
		}
		return exitUsage
	}

	if cfg.maps || cfg.json || !tty {
		if err := printMaps(stdout, cfg.pid, cfg.json); err != nil {
			fmt.Fprintf(stderr, "mapscope: %s\n", explain(cfg.pid, err))
			return exitFailure
		}
		return exitOK
	}
	return runTUI(cfg, mode, lab, stderr)
}

// runTUI runs the interactive screen until the user quits or a signal ends
// it; Bubble Tea restores the terminal on quit, SIGTERM and panics.
func runTUI(cfg config, mode ui.Mode, lab *labs, stderr io.Writer) int {
	opts := ui.Options{
		Root:      procRoot,
		PID:       cfg.pid,
		Mode:      mode,
		Interval:  cfg.interval,
		Highlight: cfg.highlight,
		Theme:     cfg.theme,
		NoColor:   os.Getenv("NO_COLOR") != "",
		Lesson:    cfg.lesson,
	}
	if lab == nil {
		lab = &labs{}
		defer lab.closeAll()
	}
	opts.Spawn = func() (*mapping.Tracee, error) { return lab.spawn(nil) }
	switch mode {
	case ui.ModeLab:
		opts.Target = lab.first()
	case ui.ModeSelf:
		opts.Target = mapping.NewSelf()
	case ui.ModeAttached:
		if err := mapping.CheckAttach(cfg.pid); err != nil {
			opts.Mode = ui.ModeReadOnly
			opts.ReadOnlyReason = refusal(err)
		} else {
			opts.Attach = lab.attach
		}
	}
	p := tea.NewProgram(ui.New(opts))

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		if _, ok := <-hup; ok {
			p.Quit()
		}
	}()

	final, err := p.Run()
	if fm, ok := final.(ui.Model); ok {
		lab.closeAll() // the processes first: a mapping keeps nothing alive once they are gone
		reportCreated(stderr, fm.Created(), cfg.keep)
	}
	if err != nil && !errors.Is(err, tea.ErrInterrupted) {
		fmt.Fprintf(stderr, "mapscope: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// reportCreated lists the files and shm objects the user's actions created
// and removes them, unless keep: they outlive every process (kernel
// persistence), which is worth a line, and litter is not.
func reportCreated(w io.Writer, created []ui.Created, keep bool) {
	for _, c := range created {
		if _, err := os.Lstat(c.Path); err != nil {
			continue // removed since, by someone else
		}
		switch {
		case keep:
			fmt.Fprintf(w, "mapscope: kept %s (created in pid %d); it persists until removed\n", c.Path, c.PID)
		default:
			if err := os.Remove(c.Path); err != nil {
				fmt.Fprintf(w, "mapscope: could not remove %s (created in pid %d): %v\n", c.Path, c.PID, err)
				continue
			}
			fmt.Fprintf(w, "mapscope: removed %s, created in pid %d (it would have outlived every process; --keep keeps such objects)\n", c.Path, c.PID)
		}
	}
}

// refusal is the reason a RefusedError gives, without the leading
// "mapscope will not act on process N:" the header already implies.
func refusal(err error) string {
	var r *mapping.RefusedError
	if errors.As(err, &r) {
		return r.Reason
	}
	return err.Error()
}

// printMaps writes the table (or JSON) of `mapscope maps PID`.
func printMaps(w io.Writer, pid int, asJSON bool) error {
	r, err := report(pid)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return procmaps.WriteTable(w, r)
}

// explain turns an error about reading a process into one sentence that
// says what happened and what to do.
func explain(pid int, err error) string {
	switch {
	case errors.Is(err, procmaps.ErrNoProcess):
		return fmt.Sprintf("no process has PID %d (it may have exited); list processes with `ps -e` and try again", pid)
	case errors.Is(err, fs.ErrPermission):
		return permissionMessage(pid)
	case errors.Is(err, procmaps.ErrNoMappings):
		return err.Error() + "; choose a user process"
	}
	return err.Error()
}

// permissionMessage says which rule refused reading another process's maps
// (engine.md facts 29–30).
func permissionMessage(pid int) string {
	owner := -1
	if fi, err := os.Stat(procRoot + "/" + strconv.Itoa(pid)); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			owner = int(st.Uid)
		}
	}
	if owner >= 0 && owner != os.Geteuid() {
		return fmt.Sprintf("permission denied reading /proc/%d/maps: the process belongs to uid %d and you are uid %d; run mapscope as that user or with sudo (CAP_SYS_PTRACE)", pid, owner, os.Geteuid())
	}
	return fmt.Sprintf("permission denied reading /proc/%d/maps: the process is not dumpable (setuid, or prctl(PR_SET_DUMPABLE, 0)); run mapscope with sudo (CAP_SYS_PTRACE)", pid)
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// labs holds every process mapscope started or attached to, so that all
// of them are released on the way out: spawned subjects killed (their
// forked children with them), attached processes detached.
type labs struct {
	mu   sync.Mutex
	all  []*mapping.Tracee
	idle []*os.File // the write ends of the subjects' stdin pipes
}

// spawn starts a lab subject: `sleep infinity`, or the user's command. Its
// output is discarded so it cannot draw over the screen, and its standard
// input is a pipe that stays open and idle, so a subject that reads it
// waits instead of ending.
func (l *labs) spawn(command []string) (*mapping.Tracee, error) {
	if len(command) == 0 {
		command = []string{"sleep", "infinity"}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	t, err := mapping.Spawn(command, &mapping.SpawnOptions{Stdin: r})
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot start %s: %w", strings.Join(command, " "), err)
	}
	l.mu.Lock()
	l.all = append(l.all, t)
	l.idle = append(l.idle, w)
	l.mu.Unlock()
	// Let it finish starting (its dynamic loader done, asleep in its
	// first blocking call), so the first table shows the process as it
	// will stay, not half-loaded.
	procmaps.WaitAsleep(procRoot, t.Pid(), time.Second)
	return t, nil
}

// attach attaches to a running process, once the user has confirmed.
func (l *labs) attach(pid int) (mapping.Target, error) {
	t, err := mapping.Attach(pid)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, t)
	return t, nil
}

// first is the lab subject started first.
func (l *labs) first() *mapping.Tracee {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all[0]
}

// closeAll releases every process, newest first.
func (l *labs) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.all) - 1; i >= 0; i-- {
		t := l.all[i]
		t.Close()
		if t.Spawned() {
			// What the subject forked by itself (not through mapscope) is
			// in its process group: it goes too.
			_ = syscall.Kill(-t.Pid(), syscall.SIGKILL)
		}
	}
	for _, w := range l.idle {
		w.Close()
	}
	l.all, l.idle = nil, nil
}
