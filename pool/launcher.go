package pool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Launcher starts the process of one attempt of a job. Local starts it on this
// machine; another launcher (Slurm's srun, say) can replace it without the rest
// of the pool knowing.
type Launcher interface {
	Launch(c *Command) (Process, error)
}

// Command is what a Launcher needs to start a job's process.
type Command struct {
	Name string   // the job's name
	Args []string // argv; Args[0] is looked up in PATH
	Dir  string   // working directory; "" is expool's
	Env  []string // environment; nil is expool's
	// Stdin, Stdout and Stderr are the files the process gets as fds 0, 1 and 2.
	Stdin, Stdout, Stderr *os.File

	// What a launcher that hands the job to a scheduler (Slurm) asks it
	// for; the local launcher ignores them.
	Timeout      time.Duration // the job's timeout; 0: none
	CPUs         int           // CPUs the job needs; 0: unspecified
	MemLimit     int64         // bytes of memory the job may use; 0: unspecified
	LauncherArgs []string      // arguments for the launcher itself: the pool's, then the job's

	// Started, set by the loop, is called by a launcher whose process waits
	// (in a scheduler's queue) before the job's command runs, with the moment
	// it starts running: the job's timeout counts from then, not from Launch.
	// Such a launcher's Process implements Queued. Called at most once, from
	// any goroutine.
	Started func(time.Time)
}

// Queued is implemented by a Process whose command does not run as soon as
// it is launched (srun waiting for Slurm to allocate resources): its launcher
// calls Command.Started when it does.
type Queued interface {
	Process
	Queued()
}

// Process is a started job process and its process group.
type Process interface {
	// Pid is the process id of the job's lead process.
	Pid() int
	// Signal sends sig to every process of the job's process group. Once the
	// lead process has exited it does nothing and returns os.ErrProcessDone.
	Signal(sig syscall.Signal) error
	// Wait blocks until the lead process has exited, kills whatever is left of
	// its process group, reaps all of it, and reports how the lead process ended.
	Wait() (Exit, error)
}

// Exit is how a job's process ended.
type Exit struct {
	Code   int // exit status, or -N when signal N ended the process
	Rusage Rusage
}

// Rusage is the kernel's accounting of a finished process.
type Rusage struct {
	Utime  time.Duration // user CPU time
	Stime  time.Duration // system CPU time
	MaxRSS int64         // peak resident set size, KiB
	// Unknown: the launcher could not measure the job's own usage (srun is
	// not told it), and the other fields are zero.
	Unknown bool
}

// Local is the Launcher that runs processes on this machine, each in a process
// group of its own, and makes sure none of them outlives its job or expool:
//
//   - expool is a child subreaper (PR_SET_CHILD_SUBREAPER): a job's descendants
//     whose parent died are re-parented to expool rather than to init, so that
//     Wait can reap those of the job's group, and none stays a zombie, even
//     where init does not reap orphans;
//   - every job is forked from one OS thread that lives as long as expool, with
//     Pdeathsig SIGKILL: if expool dies, even of SIGKILL, the kernel kills
//     each job's main process;
//   - every job's environment holds EXPOOL_ATTEMPT, which its descendants
//     inherit: those that leave the job's process group (setsid) and are
//     adopted by expool are killed when the attempt they came from ends (see
//     sweep), and every marked child left is killed when expool closes the
//     launcher;
//   - if expool dies without closing it, a watchdog process kills whatever
//     carries its mark (see Watchdog).
//
// A job's stdout and stderr are files, pipes included, that the pool reads
// itself (see capture): exec.Cmd.Wait never waits for a copying goroutine, so
// the hang that Cmd.WaitDelay guards against (a grandchild holding a pipe)
// cannot happen; the pool stops reading a pipe drainDelay after the group is
// reaped.
type Local struct {
	// Watchdog is the command of the watchdog process (see Watchdog), to
	// which Local appends expool's pid; none if empty. Set it before the
	// first Launch.
	Watchdog []string

	id      uint64     // tells this launcher's marks from another's in the same process
	self    processIDs // expool's own
	sweepMu sync.Mutex // one sweep at a time

	mu         sync.Mutex      // guards the fields below
	attempt    uint64          // attempts launched so far
	running    map[uint64]bool // attempts whose process group may be alive
	leaders    map[int]bool    // pids of the lead processes not reaped yet
	lastSweep  time.Time
	sweepTimer *time.Timer // a sweep to come
	closed     bool
	paths      map[string]string // lookPath's cache, for the PATH in pathsFor
	pathsFor   string

	// The watchdog process and expool's end of its stdin; started by the
	// first Launch, on the loop's goroutine.
	watchdog     *exec.Cmd
	watchdogPipe *os.File
}

var locals atomic.Uint64 // Local ids

// NewLocal returns a local launcher and makes the calling process a child
// subreaper.
func NewLocal() *Local {
	// Failure is not fatal: the kernel may be older than 3.4 or forbid it, and
	// then orphans go to init as they would without expool.
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	startForker()
	return &Local{
		id:      locals.Add(1),
		self:    processIDs{pid: os.Getpid(), pgid: unix.Getpgrp(), sid: getsid()},
		running: map[uint64]bool{},
		leaders: map[int]bool{},
	}
}

// AttemptEnv is the environment variable that marks a job's processes, and
// which their descendants inherit: "PID.L.N", expool's pid, its launcher's
// number and the attempt's, unique among the attempts of one expool.
const AttemptEnv = "EXPOOL_ATTEMPT"

// Launch starts c in a new process group whose id is the new process's pid.
func (l *Local) Launch(c *Command) (Process, error) {
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
	l.mu.Lock()
	l.attempt++
	n := l.attempt
	l.running[n] = true
	l.mu.Unlock()

	env := c.Env
	if env == nil {
		env = os.Environ()
	}
	path, err := l.lookPath(c.Args[0])
	if err != nil {
		l.mu.Lock()
		delete(l.running, n)
		l.mu.Unlock()
		return nil, err
	}
	// argv[0] stays as given; only the file to run is resolved.
	cmd := &exec.Cmd{Path: path, Args: c.Args}
	cmd.Dir = c.Dir
	cmd.Env = append(env, l.mark(n))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := fork(cmd); err != nil {
		l.mu.Lock()
		delete(l.running, n)
		l.mu.Unlock()
		return nil, err
	}
	p := &localProcess{cmd: cmd, pid: cmd.Process.Pid, attempt: n, launcher: l}
	l.mu.Lock()
	l.leaders[p.pid] = true
	l.mu.Unlock()
	return p, nil
}

// lookPath finds an executable named without a slash in PATH, as
// exec.Command does, but once per name: the lookup stats every directory of
// PATH before the right one, for every job.
func (l *Local) lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
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

// The forker is one goroutine locked to its OS thread for the life of the
// process: the kernel sends Pdeathsig when the thread that forked a child
// ends, not the process, and Go may end other threads at any time.
var (
	forkerOnce sync.Once
	forks      chan forkRequest
)

type forkRequest struct {
	cmd   *exec.Cmd
	reply chan error
}

func startForker() {
	forkerOnce.Do(func() {
		forks = make(chan forkRequest)
		ready := make(chan struct{})
		go forker(ready)
		<-ready
	})
}

func forker(ready chan<- struct{}) {
	runtime.LockOSThread() // never unlocked: the thread lives as long as expool
	close(ready)
	for req := range forks {
		req.reply <- req.cmd.Start()
	}
}

func fork(cmd *exec.Cmd) error {
	reply := make(chan error, 1)
	forks <- forkRequest{cmd, reply}
	return <-reply
}

type localProcess struct {
	cmd      *exec.Cmd
	pid      int // also the process group id
	attempt  uint64
	launcher *Local

	mu     sync.Mutex // orders Signal against the end of the lead process
	exited bool
}

func (p *localProcess) Pid() int { return p.pid }

func (p *localProcess) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return os.ErrProcessDone
	}
	return unix.Kill(-p.pid, sig)
}

func (p *localProcess) Wait() (Exit, error) {
	// Wait for the lead process to exit without reaping it: while it is a
	// zombie its pid, and so the group id, cannot be reused, so signalling the
	// group cannot hit a stranger.
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			break
		}
	}
	p.mu.Lock()
	p.exited = true
	// Whatever is left of the group is killed: a job ends with its lead process.
	_ = unix.Kill(-p.pid, unix.SIGKILL)
	p.mu.Unlock()

	err := p.cmd.Wait()
	reapGroup(p.pid)
	l := p.launcher
	l.mu.Lock()
	delete(l.leaders, p.pid)
	delete(l.running, p.attempt)
	l.mu.Unlock()
	l.sweepSoon()

	state := p.cmd.ProcessState
	if state == nil {
		return Exit{}, fmt.Errorf("wait: %w", err)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return Exit{}, fmt.Errorf("wait: %w", err)
	}
	return exitOf(state), nil
}

// reapGroup reaps every child of expool left in process group pgid, blocking
// until each has died. A job's descendants whose parent died before them are
// expool's children (it is a subreaper), so none of them stays a zombie.
func reapGroup(pgid int) {
	for {
		_, err := unix.Wait4(-pgid, nil, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil { // ECHILD: no child of ours is left in the group
			return
		}
	}
}

func exitOf(state *os.ProcessState) Exit {
	var e Exit
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		e.Code = -int(ws.Signal())
	} else {
		e.Code = state.ExitCode()
	}
	if ru, ok := state.SysUsage().(*syscall.Rusage); ok {
		e.Rusage = Rusage{
			Utime:  time.Duration(ru.Utime.Nano()),
			Stime:  time.Duration(ru.Stime.Nano()),
			MaxRSS: ru.Maxrss,
		}
	}
	return e
}
