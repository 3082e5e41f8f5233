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
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/sys/unix"

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

	// Lab mode: start the subject first, so every other path is the same.
	var subject *subject
	mode := cfg.mode()
	if cfg.lab() {
		subject, err = startSubject(cfg.command)
		if err != nil {
			fmt.Fprintf(stderr, "mapscope: %v\n", err)
			return exitFailure
		}
		defer subject.stop()
		cfg.pid = subject.pid()
	}
	if cfg.self {
		cfg.pid = os.Getpid()
	}

	if err := procmaps.CheckReadable(procRoot, cfg.pid); err != nil {
		fmt.Fprintf(stderr, "mapscope: %s\n", explain(cfg.pid, err))
		if subject != nil {
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
	return runTUI(cfg, mode, subject, stderr)
}

// runTUI runs the interactive screen until the user quits or a signal ends
// it; Bubble Tea restores the terminal on quit, SIGTERM and panics.
func runTUI(cfg config, mode ui.Mode, subject *subject, stderr io.Writer) int {
	opts := ui.Options{
		Root:      procRoot,
		PID:       cfg.pid,
		Mode:      mode,
		Interval:  cfg.interval,
		Highlight: cfg.highlight,
		Theme:     cfg.theme,
		NoColor:   os.Getenv("NO_COLOR") != "",
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
	if subject != nil {
		go func() {
			p.Send(ui.ExitedMsg{Status: subject.wait()})
		}()
	}

	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrInterrupted) {
		fmt.Fprintf(stderr, "mapscope: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// printMaps writes the table (or JSON) of `mapscope maps PID`.
func printMaps(w io.Writer, pid int, asJSON bool) error {
	id, err := procmaps.ReadIdentity(procRoot, pid)
	if err != nil {
		return err
	}
	snap, _, err := procmaps.NewSource(procRoot, pid).Read()
	if err != nil {
		return err
	}
	totals, err := procmaps.ReadTotals(procRoot, pid)
	if err != nil {
		return err
	}
	smaps, err := procmaps.ReadAllSmaps(procRoot, pid)
	if err != nil {
		return err
	}
	report := procmaps.NewReport(id, totals, snap, smaps)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	return procmaps.WriteTable(w, report)
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

// subject is the process lab mode starts and watches.
type subject struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser // held open so a subject that reads stdin waits instead of ending
	done  chan struct{}
	state string
}

// startSubject starts the lab subject: `sleep infinity`, or the user's
// command. It gets its own process group, dies if mapscope dies
// (PR_SET_PDEATHSIG), and its output is discarded so it cannot draw over
// the screen.
func startSubject(command []string) (*subject, error) {
	if len(command) == 0 {
		command = []string{"sleep", "infinity"}
	}
	cmd := exec.Command(command[0], command[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start %s: %w", strings.Join(command, " "), errors.Unwrap(err))
	}
	s := &subject{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		s.state = describeExit(cmd.ProcessState)
		close(s.done)
	}()
	return s, nil
}

func (s *subject) pid() int { return s.cmd.Process.Pid }

// wait blocks until the subject ends and says how it ended.
func (s *subject) wait() string {
	<-s.done
	return s.state
}

// stop ends the subject and everything in its process group.
func (s *subject) stop() {
	s.stdin.Close()
	select {
	case <-s.done:
	default:
		syscall.Kill(-s.pid(), syscall.SIGKILL)
		select {
		case <-s.done:
		case <-time.After(2 * time.Second):
		}
	}
}

// describeExit says how a process ended, as the header shows it.
func describeExit(ps *os.ProcessState) string {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	switch {
	case ok && ws.Signaled():
		return "killed by " + unix.SignalName(ws.Signal())
	case ok:
		return fmt.Sprintf("exited (status %d)", ws.ExitStatus())
	}
	return ps.String()
}
