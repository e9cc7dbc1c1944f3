//go:build unix

// Package local is the pool.Launcher that runs jobs' processes on this
// machine, each in a process group of its own, and sees to it that none of
// them outlives its job or expool.
//
// On every Unix (macOS, FreeBSD, Linux) it uses what POSIX allows: process
// groups (a job's group is signalled and, once its lead process has exited,
// killed), and a watchdog process that cleans up if expool dies without
// closing the launcher. On Linux it adds the kernel's extras, in the _linux.go
// files: expool is a child subreaper; jobs are started by the spawner, so
// that their rusage is their own (see spawner), as children of one OS thread
// with Pdeathsig, which waits for all of them (see reaper); a job's group is
// killed before its lead process is reaped; and descendants that leave their
// job's group are found through /proc and pidfds and killed (see sweep).
// Building with the tag expool_portable gives Linux the portable launcher
// instead, so that the tests run it too. RELIABILITY.md says what each one
// guarantees.
//
// Who calls what: the owner of the pool's loop calls New, Launch and Close;
// a Process's Wait runs on a goroutine of its own, and its Signal on any. A
// job's stdout and stderr are files, pipes included, that the pool reads
// itself, so that exec.Cmd.Wait never waits for a copying goroutine: the hang
// that Cmd.WaitDelay guards against (a grandchild holding a pipe) cannot
// happen.
package local

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"expool/pool"
)

// Launcher runs jobs' processes on this machine. Make it with New, and Close
// it once every job has ended.
type Launcher struct {
	// Watchdog is the command of the watchdog process (see Watchdog), to
	// which the launcher appends expool's pid; none if empty. Set it before
	// the first Launch.
	Watchdog []string

	id  uint64 // tells this launcher's marks from another's in the same process
	pid int    // expool's

	mu       sync.Mutex // guards the fields below
	attempts uint64     // attempts launched so far
	paths    map[string]string
	pathsFor string // the PATH that paths, lookPath's cache, is for

	watchdog watchdog
	sys      sys     // what the platform adds (launcher_linux.go, portable.go)
	memory   sampler // its attempts' memory (memory_linux.go)
}

var launchers atomic.Uint64 // Launcher ids

// New returns a local launcher. On Linux it makes the calling process a
// child subreaper and starts the thread that forks every job (see
// launcher_linux.go); the portable launcher changes nothing in the process.
func New() *Launcher {
	l := &Launcher{id: launchers.Add(1), pid: os.Getpid()}
	l.setUp()
	return l
}

// AttemptEnv is the environment variable that marks a job's processes, and
// which their descendants inherit: "PID.L.N", expool's pid, its launcher's
// number and the attempt's, unique among the attempts of one expool.
const AttemptEnv = "EXPOOL_ATTEMPT"

// mark is the AttemptEnv entry of attempt n.
func (l *Launcher) mark(n uint64) string {
	return fmt.Sprintf("%s=%d.%d.%d", AttemptEnv, l.pid, l.id, n)
}

// Launch starts c in a new process group whose id is the new process's pid.
func (l *Launcher) Launch(c *pool.Command) (pool.Process, error) {
	// The child's chdir failing would be reported as the executable missing.
	if c.Dir != "" {
		fi, err := os.Stat(c.Dir)
		if err != nil {
			return nil, fmt.Errorf("workdir: %w", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("workdir %s: not a directory", c.Dir)
		}
	}
	l.startWatchdog()
	path, err := l.lookPath(c.Args[0], c.Dir)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.attempts++
	n := l.attempts
	l.mu.Unlock()

	env := c.Env
	if env == nil {
		env = os.Environ()
	}
	// argv[0] stays as given; only the file to run is resolved.
	cmd := &exec.Cmd{Path: path, Args: c.Args, Dir: c.Dir, Env: append(env, l.mark(n))}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &process{cmd: cmd, attempt: n, launcher: l, cpus: c.Affinity, started: c.Started}
	if c.MemSample > 0 && c.OnMemory != nil {
		p.memEvery, p.onMemory = c.MemSample, c.OnMemory
	}
	if err := l.start(p); err != nil {
		return nil, err
	}
	return p, nil
}

// sample has p's memory sampled, if its command asked for it, once its pid
// is known.
func (l *Launcher) sample(p *process) {
	if p.onMemory != nil {
		l.track(p.attempt, p.pid, p.memEvery, p.onMemory)
	}
}

// lookPath finds an executable named without a slash in PATH, as
// exec.Command does, but once per name: the lookup stats every directory of
// PATH before the right one, for every job. A name with a slash, which dir
// (the job's workdir) holds if it is relative, is checked each time: that it
// exists and may be executed is then known before the process starts (its
// exec may still fail: a file of no format the kernel runs, say).
func (l *Launcher) lookPath(name, dir string) (string, error) {
	if strings.Contains(name, "/") {
		at := name
		if !filepath.IsAbs(name) && dir != "" {
			at = filepath.Join(dir, name)
		}
		fi, err := os.Stat(at)
		switch {
		case err != nil:
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", &os.PathError{Op: "fork/exec", Path: name, Err: err}
		case fi.IsDir() || fi.Mode()&0o111 == 0:
			return "", &os.PathError{Op: "fork/exec", Path: name, Err: syscall.EACCES}
		}
		return name, nil
	}
	env := os.Getenv("PATH")
	l.mu.Lock()
	if l.pathsFor != env {
		l.paths, l.pathsFor = map[string]string{}, env
	}
	path, ok := l.paths[name]
	l.mu.Unlock()
	if ok {
		return path, nil
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", err
	}
	l.mu.Lock()
	l.paths[name] = path
	l.mu.Unlock()
	return path, nil
}

// Close kills and reaps whatever the jobs left that the platform can find
// (on Linux, every child of expool that carries this launcher's mark), then
// dismisses the watchdog; the memory sampler stops. Call it once every job
// has ended.
func (l *Launcher) Close() error {
	l.stopSampling()
	l.tearDown()
	l.stopWatchdog()
	return nil
}

// process is a job's process and its process group, whose id is its pid.
type process struct {
	cmd      *exec.Cmd
	pid      int
	attempt  uint64
	launcher *Launcher
	cpus     []int // the CPUs it is pinned to
	// started is the command's Started: called once the program has
	// started, if its start was under way when Launch returned.
	started  func(time.Time)
	memEvery time.Duration // how often its memory is sampled
	onMemory func(int64)   // each sample; nil: not sampled

	mu     sync.Mutex // orders Signal against the start and the end of the lead process
	exited bool
	held   []syscall.Signal // signals sent while its start was under way

	sys procSys // what the platform adds
}

// Pid is the lead process's pid; 0 while its start is under way.
func (p *process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}

// Signal signals the group; while its start is under way (on Linux), the
// signal is held back, and sent once it has started.
func (p *process) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.exited:
		return os.ErrProcessDone
	case p.pid == 0:
		p.held = append(p.held, sig)
		return nil
	}
	return unix.Kill(-p.pid, sig)
}

// Wait waits for the group's end (waitGroup, the platform's), and reports how
// the lead process ended.
func (p *process) Wait() (pool.Exit, error) {
	return p.launcher.waitGroup(p)
}

// StartTime is when the process started: when its program was exec'd.
func (p *process) StartTime() time.Time { return p.startTime() }

// endGroup is called once the lead process has exited: Signal does nothing
// from now on, and whatever is left of the group is killed, since a job ends
// with its lead process.
func (p *process) endGroup() { p.endGroupOf(p.pid) }

// endGroupOf is endGroup for a process whose pid p may not hold yet: one
// that exited before its start returned.
func (p *process) endGroupOf(pid int) {
	p.mu.Lock()
	p.exited = true
	if pid > 0 { // kill(0) would be expool's own group
		_ = unix.Kill(-pid, unix.SIGKILL)
	}
	p.mu.Unlock()
}

// cmdExit reports how cmd, whose Wait returned err, ended (the portable
// launcher waits with exec.Cmd).
func cmdExit(cmd *exec.Cmd, err error) (pool.Exit, error) {
	state := cmd.ProcessState
	if state == nil {
		return pool.Exit{}, fmt.Errorf("wait: %w", err)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return pool.Exit{}, fmt.Errorf("wait: %w", err)
	}
	return exitOf(state), nil
}

func exitOf(state *os.ProcessState) pool.Exit {
	var e pool.Exit
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		e.Code = -int(ws.Signal())
	} else {
		e.Code = state.ExitCode()
	}
	if ru, ok := state.SysUsage().(*syscall.Rusage); ok {
		e.Rusage = pool.Rusage{
			Utime:  time.Duration(ru.Utime.Nano()),
			Stime:  time.Duration(ru.Stime.Nano()),
			MaxRSS: maxRSSKiB(ru),
		}
	}
	return e
}
