package csrc

import (
	"bytes"
	"errors"
	"fmt"
	"go/token"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"mapscope/mapping"
)

// builtin is a function programs may call.
type builtin struct {
	min, max int // arguments; max -1: any number (printf)
	fn       func(ev *evaluator, c *call) value
}

func (b builtin) arity() string {
	switch {
	case b.max < 0:
		return fmt.Sprintf("at least %d argument(s)", b.min)
	case b.min == b.max:
		return fmt.Sprintf("%d argument(s)", b.min)
	}
	return fmt.Sprintf("%d to %d arguments", b.min, b.max)
}

var builtins map[string]builtin

func init() {
	builtins = map[string]builtin{
		"mmap": {6, 6, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			r := ev.sys(c, a[0].n)(ev.p.p.Mmap(a[0].n, a[1].n, int(a[2].int64()), int(a[3].int64()), int(a[4].int64()), a[5].int64()))
			return value{n: r.n, t: tVoidP}
		}},
		"munmap": {2, 2, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			return ev.sys(c, a[0].n)(ev.p.p.Munmap(a[0].n, a[1].n))
		}},
		"mprotect": {3, 3, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			return ev.sys(c, a[0].n)(ev.p.p.Mprotect(a[0].n, a[1].n, int(a[2].int64())))
		}},
		"msync": {3, 3, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			return ev.sys(c, a[0].n)(ev.p.p.Msync(a[0].n, a[1].n, int(a[2].int64())))
		}},
		"madvise": {3, 3, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			return ev.sys(c, a[0].n)(ev.p.p.Madvise(a[0].n, a[1].n, int(a[2].int64())))
		}},
		"open": {2, 3, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			mode := uint32(0)
			if len(a) == 3 {
				mode = uint32(a[2].n)
			}
			return ev.sys(c, 0)(ev.p.p.Open(ev.cString(a[0], c.pos), int(a[1].int64()), mode))
		}},
		"shm_open": {3, 3, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			return ev.sys(c, 0)(ev.p.p.ShmOpen(ev.cString(a[0], c.pos), int(a[1].int64()), uint32(a[2].n)))
		}},
		"shm_unlink": {1, 1, func(ev *evaluator, c *call) value {
			return ev.sys(c, 0)(ev.p.p.ShmUnlink(ev.cString(ev.args(c)[0], c.pos)))
		}},
		"unlink": {1, 1, func(ev *evaluator, c *call) value {
			return ev.sys(c, 0)(ev.p.p.Unlink(ev.cString(ev.args(c)[0], c.pos)))
		}},
		"close": {1, 1, func(ev *evaluator, c *call) value {
			return ev.sys(c, 0)(ev.p.p.CloseFD(int(ev.args(c)[0].int64())))
		}},
		"ftruncate": {2, 2, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			return ev.sys(c, 0)(ev.p.p.Ftruncate(int(a[0].int64()), a[1].int64()))
		}},
		"getpid": {0, 0, func(ev *evaluator, c *call) value {
			return ev.sys(c, 0)(ev.p.p.Getpid())
		}},
		"getppid": {0, 0, func(ev *evaluator, c *call) value {
			return ev.sys(c, 0)(ev.p.p.Getppid())
		}},
		"kill": {2, 2, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			return ev.sys(c, 0)(ev.p.p.Kill(int(a[0].int64()), unix.Signal(a[1].int64())))
		}},
		"fork": {0, 0, (*evaluator).fork},
		"exit": {1, 1, func(ev *evaluator, c *call) value {
			ev.m.exit(ev.p, int(ev.args(c)[0].int64()), c.pos)
			return intValue(0)
		}},
		"_exit": {1, 1, func(ev *evaluator, c *call) value {
			ev.m.exit(ev.p, int(ev.args(c)[0].int64()), c.pos)
			return intValue(0)
		}},
		"wait": {1, 1, func(ev *evaluator, c *call) value {
			return ev.waitpid(c, -1, c.args[0], 0)
		}},
		"waitpid": {3, 3, func(ev *evaluator, c *call) value {
			return ev.waitpid(c, int(ev.eval(c.args[0]).int64()), c.args[1], int(ev.eval(c.args[2]).int64()))
		}},
		"sleep": {1, 1, func(ev *evaluator, c *call) value {
			ev.sleep(time.Duration(ev.args(c)[0].int64())*time.Second, c.pos)
			return intValue(0)
		}},
		"usleep": {1, 1, func(ev *evaluator, c *call) value {
			ev.sleep(time.Duration(ev.args(c)[0].int64())*time.Microsecond, c.pos)
			return intValue(0)
		}},
		"strcpy": {2, 2, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			s := ev.cString(a[1], c.pos)
			ev.write(a[0], append([]byte(s), 0), c.pos, fmt.Sprintf("strcpy((char*)0x%x, %s)", a[0].n, mapping.CString(s)))
			return a[0]
		}},
		"memset": {3, 3, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			n := a[2].n
			if n > 64<<20 {
				ev.fail(c.pos, "memset of more than 64 MiB at once")
			}
			b := []byte(strings.Repeat(string([]byte{byte(a[1].n)}), int(n)))
			ev.write(a[0], b, c.pos, fmt.Sprintf("memset((void*)0x%x, %s, %d)", a[0].n, cValue(value{n: a[1].n & 0xff, t: tChar}), n))
			return a[0]
		}},
		"memcpy": {3, 3, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			n := a[2].n
			if n > 64<<20 {
				ev.fail(c.pos, "memcpy of more than 64 MiB at once")
			}
			var b []byte
			if a[1].s != nil {
				s := *a[1].s + "\x00"
				if n > uint64(len(s)) {
					ev.fail(c.pos, "memcpy reads past the end of the string literal")
				}
				b = []byte(s[:n])
			} else {
				var err error
				b, err = ev.p.p.ReadMemory(a[1].n, int(n))
				if err != nil {
					ev.fault(c.pos, err)
				}
			}
			ev.write(a[0], b, c.pos, fmt.Sprintf("memcpy((void*)0x%x, (void*)0x%x, %d)", a[0].n, a[1].n, n))
			return a[0]
		}},
		"strlen": {1, 1, func(ev *evaluator, c *call) value {
			return value{n: uint64(len(ev.cString(ev.args(c)[0], c.pos))), t: tULong}
		}},
		"printf": {1, -1, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			s := ev.printf(ev.cString(a[0], c.pos), a[1:], c.pos)
			ev.output(s)
			return intValue(int64(len(s)))
		}},
		"puts": {1, 1, func(ev *evaluator, c *call) value {
			s := ev.cString(ev.args(c)[0], c.pos) + "\n"
			ev.output(s)
			return intValue(int64(len(s)))
		}},
		"putchar": {1, 1, func(ev *evaluator, c *call) value {
			a := ev.args(c)
			ev.output(string([]byte{byte(a[0].n)}))
			return a[0]
		}},
		"perror": {1, 1, func(ev *evaluator, c *call) value {
			s := ev.cString(ev.args(c)[0], c.pos)
			msg := mapping.Strerror(ev.p.errno)
			if ev.p.errno == 0 {
				msg = "Success"
			}
			if s != "" {
				msg = s + ": " + msg
			}
			ev.output(msg + "\n")
			return intValue(0)
		}},
		"WIFEXITED": {1, 1, func(ev *evaluator, c *call) value {
			return boolValue(ev.args(c)[0].n&0x7f == 0)
		}},
		"WEXITSTATUS": {1, 1, func(ev *evaluator, c *call) value {
			return intValue(int64(ev.args(c)[0].n >> 8 & 0xff))
		}},
		"WIFSIGNALED": {1, 1, func(ev *evaluator, c *call) value {
			s := ev.args(c)[0].n & 0x7f
			return boolValue(s != 0 && s != 0x7f)
		}},
		"WTERMSIG": {1, 1, func(ev *evaluator, c *call) value {
			return intValue(int64(ev.args(c)[0].n & 0x7f))
		}},
	}
}

// args evaluates a call's arguments, left to right.
func (ev *evaluator) args(c *call) []value {
	out := make([]value, len(c.args))
	for i, a := range c.args {
		out[i] = ev.eval(a)
	}
	ev.pos = c.pos
	return out
}

// sys logs a system call and turns its result into a C value: -1 with
// errno set on failure. A call that could not be made stops the program in
// this process. addr is an address the call touched (0: none).
func (ev *evaluator) sys(c *call, addr uint64) func(mapping.Call, error) value {
	return func(call mapping.Call, err error) value {
		if call.Name == "mmap" && !call.Failed() {
			addr = call.Addr()
		}
		if err != nil {
			ev.m.emit(ev.p, Event{Kind: EvCall, Text: call.String(), Call: call, Pos: c.pos}) // "= ?" when it did not finish
			ev.fault(c.pos, err)
		}
		ev.m.emit(ev.p, Event{Kind: EvCall, Text: call.String(), Call: call, Addr: addr, Pos: c.pos})
		if call.Failed() {
			ev.p.errno = call.Errno
			if call.Name == "mmap" {
				return value{n: ^uint64(0), t: tVoidP} // MAP_FAILED
			}
			return intValue(-1)
		}
		if call.Name == "mmap" {
			return value{n: call.Raw, t: tVoidP}
		}
		return longValue(call.Value())
	}
}

// fork forks the process; in a child finishing its parent's fork
// statement, it returns 0.
func (ev *evaluator) fork(c *call) value {
	p := ev.p
	if p.forkZero {
		p.forkZero = false
		ev.m.emit(p, Event{Kind: EvCall, Text: "fork() = 0", Call: mapping.Call{Pid: p.p.Pid(), Name: "fork", Text: "fork()", Done: true}, Pos: c.pos})
		return intValue(0)
	}
	child, call, err := ev.m.fork(p, c.pos)
	if err != nil {
		if errors.Is(err, mapping.ErrForkSelf) {
			ev.fail(c.pos, "%v", err)
		}
		ev.m.emit(p, Event{Kind: EvCall, Text: call.String(), Call: call, Pos: c.pos})
		if call.Failed() {
			p.errno = call.Errno
			return intValue(-1)
		}
		ev.fault(c.pos, err)
	}
	ev.m.emit(p, Event{Kind: EvCall, Text: fmt.Sprintf("fork() = %d", child.Pid()), Call: call, Pos: c.pos})
	return intValue(int64(child.Pid()))
}

// waitpid waits for a child of this process, as wait/waitpid do: it
// returns when the child has ended. The child's exit is seen by mapscope,
// which traces it (its parent is made to reap it); the process's own
// waitpid is not made.
func (ev *evaluator) waitpid(c *call, pid int, status expr, options int) value {
	p := ev.p
	statusText := "NULL"
	var target *variable
	if u, ok := status.(*unary); ok && u.op == token.AND {
		id := u.x.(*ident)
		vr, ok := p.vars[id.name]
		if !ok {
			ev.fail(u.pos, "%s is declared in a statement this process did not run", id.name)
		}
		target, statusText = vr, "&"+id.name
	} else if v := ev.eval(status); !v.isZero() {
		ev.fail(c.pos, "give wait the address of an int variable (&status) or NULL")
	}
	text := fmt.Sprintf("waitpid(%d, %s, %s)", pid, statusText, waitOptions(options))
	if c.name == "wait" {
		text = fmt.Sprintf("wait(%s)", statusText)
	}
	done := func(raw int64, errno unix.Errno) value {
		call := mapping.Call{Pid: p.p.Pid(), Name: c.name, Text: text, Done: true, Raw: uint64(raw)}
		if errno != 0 {
			call.Raw, call.Errno = uint64(-int64(errno)), errno
			p.errno = errno
		}
		ev.m.emit(p, Event{Kind: EvCall, Text: call.String(), Call: call, Pos: c.pos})
		if errno != 0 {
			return intValue(-1)
		}
		return intValue(raw)
	}
	if p.reaped == nil {
		p.reaped = map[int]bool{}
	}
	live := false
	for _, ch := range p.children {
		cpid := ch.p.Pid()
		if p.reaped[cpid] || pid > 0 && cpid != pid {
			continue
		}
		st, ended := ch.p.Ended()
		if !ended {
			live = true
			continue
		}
		p.reaped[cpid] = true
		if target != nil {
			code := uint64(st.Code&0xff) << 8
			if st.Signal != 0 {
				code = uint64(st.Signal)
			}
			target.v = ev.convert(value{n: code, t: tInt}, target.t, c.pos)
		}
		return done(int64(cpid), 0)
	}
	switch {
	case !live:
		return done(-1, unix.ECHILD)
	case options&unix.WNOHANG != 0:
		return done(0, 0)
	}
	want := pid
	if pid <= 0 {
		want = -1
	}
	panic(blocked{pid: want})
}

func waitOptions(o int) string {
	switch o {
	case 0:
		return "0"
	case unix.WNOHANG:
		return "WNOHANG"
	}
	return strconv.Itoa(o)
}

// sleep pauses the program (not the process).
func (ev *evaluator) sleep(d time.Duration, pos Pos) {
	if d < 0 || d > time.Hour {
		ev.fail(pos, "sleep of %v: between 0 and an hour", d)
	}
	ev.m.flush()
	if ev.m.opts.Sleep != nil {
		ev.m.opts.Sleep(ev.ctx, d)
		return
	}
	ctx := ev.ctx
	if ctx == nil {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// write stores bytes in the process, logging the C that did it.
func (ev *evaluator) write(dst value, b []byte, pos Pos, text string) {
	if !dst.t.ptr && dst.n == 0 || dst.s != nil {
		if dst.s != nil {
			ev.fail(pos, "a string literal cannot be written to")
		}
	}
	if dst.n == 0 {
		panic(halt{pos: pos, fault: true, msg: "SIGSEGV (SEGV_MAPERR) writing 0x0: a NULL pointer — the process would crash here; the program stops in it"})
	}
	if _, err := ev.p.p.WriteMemory(dst.n, b); err != nil {
		ev.fault(pos, err)
	}
	ev.m.emit(ev.p, Event{Kind: EvMemory, Text: text, Addr: dst.n, Pos: pos})
}

// output adds printed text; each completed line is an event.
func (ev *evaluator) output(s string) {
	p := ev.p
	p.out = append(p.out, s...)
	for {
		i := bytes.IndexByte(p.out, '\n')
		if i < 0 {
			break
		}
		ev.m.emit(p, Event{Kind: EvOutput, Text: string(p.out[:i]), Pos: ev.pos})
		p.out = p.out[i+1:]
	}
	if len(p.out) > 1<<16 {
		ev.m.flushProc(p)
	}
}

// call runs a builtin.
func (ev *evaluator) call(c *call) value {
	b, ok := builtins[c.name]
	if !ok {
		ev.fail(c.pos, "unknown function %s", c.name)
	}
	return b.fn(ev, c)
}
