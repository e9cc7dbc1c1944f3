package pool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
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
	Args []string // argv; Args[0] is looked up in PATH
	Dir  string   // working directory; "" is expool's
	Env  []string // environment; nil is expool's
	// Stdin, Stdout and Stderr are the files the process gets as fds 0, 1 and 2.
	Stdin, Stdout, Stderr *os.File
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
}

// Local is the Launcher that runs processes on this machine, each in a process
// group of its own.
//
// NewLocal makes expool a child subreaper (PR_SET_CHILD_SUBREAPER), so that a
// job's descendants whose parent died are re-parented to expool rather than to
// init; Wait reaps those that were in the job's process group. Without it they
// would stay zombies wherever init does not reap orphans.
type Local struct{}

// NewLocal returns the local launcher and makes the calling process a child
// subreaper.
func NewLocal() *Local {
	// Failure is not fatal: the kernel may be older than 3.4 or forbid it, and
	// then orphans go to init as they would without expool.
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	return &Local{}
}

// Launch starts c in a new process group whose id is the new process's pid.
func (*Local) Launch(c *Command) (Process, error) {
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
	cmd := exec.Command(c.Args[0], c.Args[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &localProcess{cmd: cmd, pid: cmd.Process.Pid}, nil
}

type localProcess struct {
	cmd *exec.Cmd
	pid int // also the process group id

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
