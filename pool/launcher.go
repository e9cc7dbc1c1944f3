package pool

import (
	"os"
	"syscall"
	"time"
)

// Launcher starts the process of one attempt of a job. Package pool/local's
// starts it on this machine; another launcher (Slurm's srun, say) can replace
// it, for the loop or for one pool (Config.Launcher), without the rest of the
// pool knowing. What a launcher offers beyond Process (a sample of a job's
// memory, say) it offers through an interface of its own, which the pool asks
// a Process for with a type assertion.
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

	// Resources. Timeout, CPUs, MemLimit and LauncherArgs are what the job
	// asks for, for a launcher that hands it to a scheduler (Slurm's --time,
	// --cpus-per-task, --mem and its own options; the local launcher ignores
	// them); Affinity and MemSample are what the pool asks the launcher to
	// do itself.
	Timeout      time.Duration // the job's timeout; 0: none
	CPUs         int           // CPUs per job (ExecPool's affinity); 0: unspecified
	MemLimit     int64         // bytes the job may use (Job's memlimit); 0: unspecified
	LauncherArgs []string      // arguments for the launcher itself: the pool's, then the job's
	// Affinity, if not empty, are the CPUs the process and its children are
	// pinned to (a CPUPinner's groups).
	Affinity []int
	// MemSample, if positive, asks a MemorySampler to sample the memory of
	// the process's attempt this often, and to call OnMemory with each
	// sample (bytes), from a goroutine of its own, never after Wait has
	// returned.
	MemSample time.Duration
	OnMemory  func(bytes int64)

	// Started, set by the loop, is called by a launcher whose process waits
	// (in a scheduler's queue) before the job's command runs, with the moment
	// it starts running: the job's timeout counts from then, not from Launch.
	// Such a launcher's Process implements Queued; one whose start is still
	// under way when Launch returns, Starting. Called at most once, from any
	// goroutine.
	Started func(time.Time)
}

// Starting is implemented by a Process whose start may still be under way
// when Launch returns: its launcher starts the program meanwhile, so that the
// loop does not wait for it (the local launcher's spawner replies later).
// Until the program has started, Pid is 0 and a signal is held back, to be
// sent once it has. The launcher then calls Command.Started with when it
// started, and only then does the attempt begin (its observers hear of it, its
// timeout is armed); or, if the program could not start, the process ends
// (Wait, OnEnd) with a *StartError, and the job ends "error" with no attempt,
// as if Launch had failed. Started is called before the process ends.
type Starting interface {
	Process
	Starting()
}

// StartError is how a Starting process that could not start ends: why not.
type StartError struct{ Err error }

func (e *StartError) Error() string { return e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// Queued is implemented by a Process whose command does not run as soon as
// it is launched (srun waiting for Slurm to allocate resources): its launcher
// calls Command.Started when it does.
type Queued interface {
	Process
	Queued()
}

// MemorySampler is implemented by a Launcher that samples the memory of the
// attempts it starts (Command.MemSample): the resident memory of their
// processes, summed.
type MemorySampler interface {
	// MemoryError says why the launcher cannot sample memory here (no
	// /proc, say), or is nil.
	MemoryError() error
}

// ResourceScheduler is implemented by a Launcher that hands what a job asks
// for (Command.CPUs and Command.MemLimit) to a scheduler that grants and
// enforces it (Slurm's --cpus-per-task and --mem). With such a launcher, a
// pool's Affinity is the CPUs each job asks for, not CPUs that expool pins it
// to, and a job's MemLimit is the memory it asks for, not a limit that expool
// samples; a pool's MemLimit, which needs samples, is an error.
type ResourceScheduler interface {
	Launcher
	// SchedulesResources marks the launcher; it does nothing.
	SchedulesResources()
}

// CPUPinner is implemented by a Launcher that pins processes to CPUs
// (Command.Affinity).
type CPUPinner interface {
	// CPUGroups returns the disjoint sets of n CPUs each that the pool hands
	// out to its running jobs, best first; an error says why there are
	// none (n is more than the CPUs expool may use).
	CPUGroups(n int) ([][]int, error)
}

// Process is a started job process and its process group.
type Process interface {
	// Pid is the process id of the job's lead process.
	Pid() int
	// Signal sends sig to every process of the job's process group. Once the
	// lead process has exited it does nothing and returns os.ErrProcessDone.
	Signal(sig syscall.Signal) error
	// Wait blocks until the lead process has exited, kills whatever is left of
	// its process group, reaps all of it, and reports how the lead process
	// ended. An error means that how it ended is unknown; the job then ends
	// with status error, and the error's text in Job.Error.
	Wait() (Exit, error)
}

// Exit is how a job's process ended.
type Exit struct {
	Code   int // exit status, or -N when signal N ended the process
	Rusage Rusage
	// Stop is when the process ended, if the launcher knows (it saw the
	// exit before reaping the group); zero: when Wait returned.
	Stop time.Time
}

// EndNotifier is a Process that calls a function when it has ended, so that
// no goroutine need block in Wait for each job: thousands of jobs at once
// then cost no goroutine each.
type EndNotifier interface {
	Process
	// OnEnd has end called once, when Wait would have returned, with what
	// it would have returned, on any goroutine (the caller's, if that is
	// now). end must not block.
	OnEnd(end func(Exit, error))
}

// TimedProcess is a Process that knows when it started: when its program was
// exec'd, which may be before Launch returned. The attempt's start, from which
// its timeout counts, is then that; else it is when Launch returned.
type TimedProcess interface {
	Process
	StartTime() time.Time
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
