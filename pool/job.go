package pool

import (
	"os"
	"sort"
	"time"
)

// Status is the state of a job or a task.
type Status string

// Statuses of jobs and tasks. A task is only ever pending, running, done,
// failed or timeout.
const (
	StatusPending    Status = "pending"    // executed, waiting for a worker
	StatusRunning    Status = "running"    // its process is running
	StatusDone       Status = "done"       // exit 0, not terminated by expool
	StatusFailed     Status = "failed"     // non-zero exit, or killed by a signal expool did not send
	StatusTimeout    Status = "timeout"    // killed by expool: its own timeout expired, no restart left
	StatusTerminated Status = "terminated" // killed by expool for any other reason
	StatusCancelled  Status = "cancelled"  // never started: its pool or task ended first
	StatusError      Status = "error"      // could not start
)

// Job is one OS process to run in a pool, with a timeout. Its spec fields
// must not change once it is executed; the pool fills the others.
type Job struct {
	Name    string
	Args    []string // argv; none: a stub job that starts no process
	Workdir string
	Env     map[string]string // added to, or replacing in, expool's environment

	Timeout          time.Duration // from the process start; 0: none
	MaxRestarts      int           // cap on restarts after timeouts; < 0: unlimited (retries are not counted)
	RestartOnTimeout bool          // restart rather than end on timeout
	// Resumed: the job was done in an earlier run (Loop.Resume) and did not
	// run. (The booleans sit together, so that a Job stays 256 bytes.)
	Resumed  bool
	slot     bool // holds one of its pool's worker slots
	cancel   bool // its pool was terminated while its onstart ran
	finished bool // ended and its callbacks have run

	StartDelay     time.Duration // the pool starts no other job this long after this one
	Task           *Task
	Stdout, Stderr Dest

	// OnStart runs before each start of the process; an error keeps the job
	// from starting (status error, or cancelled when the error is
	// context.Canceled). OnDone runs once if the job ends "done", then
	// OnFinish runs once whatever the status.
	OnStart  func(*Job) error
	OnDone   func(*Job)
	OnFinish func(*Job)

	Status   Status
	Restarts int
	Error    string // why the job could not start
	// Last is the job's last attempt: set when it starts, nil before.
	Last *Attempt

	// Owner is for whoever made the job: luaapi keeps its Lua object here.
	Owner any

	pool *Pool
	// Extra holds the spec fields few jobs set, nil when none is, so that a
	// Job stays 256 bytes.
	Extra *JobExtra
}

// JobExtra are the spec fields of a job that few jobs set.
type JobExtra struct {
	// LauncherArgs are arguments for the launcher itself (srun's options,
	// after the pool's); the local launcher ignores them.
	LauncherArgs []string
	// Retries is how many times the job starts again after an attempt
	// that ended "failed"; each retry counts in Job.Restarts.
	Retries int

	retried int // retries so far
}

// More returns j.Extra, made if it is nil.
func (j *Job) More() *JobExtra {
	if j.Extra == nil {
		j.Extra = &JobExtra{}
	}
	return j.Extra
}

// retried is how many of j's restarts were retries after a failure.
func (j *Job) retried() int {
	if j.Extra == nil {
		return 0
	}
	return j.Extra.retried
}

// Attempt is what the pool records of one run of a job's process, or of a
// stub job.
type Attempt struct {
	Start, Stop       time.Time // Stop is zero while it runs
	PID               int       // 0 for a stub
	ReturnCode        int       // exit code, or -N when signal N ended it; once exited
	Output, ErrOutput []byte    // what a PIPE captured, else nil; never changed once set
	Rusage            Rusage    // once exited
	// Lost: the launcher could not tell how the process ended (Process.Wait
	// failed); the attempt ended with status error.
	Lost bool
}

// Ended reports whether the attempt has ended.
func (a *Attempt) Ended() bool { return !a.Stop.IsZero() }

// Exited reports whether the attempt has ended and how is known: it has a
// ReturnCode and a Rusage.
func (a *Attempt) Exited() bool { return a.Ended() && !a.Lost }

// ReturnCode is the return code of the job's last attempt, if one exited.
func (j *Job) ReturnCode() (code int, ok bool) {
	if j.Last == nil || !j.Last.Exited() {
		return 0, false
	}
	return j.Last.ReturnCode, true
}

// Executed reports whether the job was handed to a pool.
func (j *Job) Executed() bool { return j.pool != nil }

// Finished reports whether the job has ended and its callbacks have run.
func (j *Job) Finished() bool { return j.finished }

// Pool returns the pool that executed the job, or nil.
func (j *Job) Pool() *Pool { return j.pool }

// OutputDests returns where j's stdout and stderr go, "inherit" resolved
// through its task chain.
func (j *Job) OutputDests() (stdout, stderr Dest) {
	stdout, stderr = j.Stdout, j.Stderr
	for t := j.Task; t != nil && (stdout.Kind == DestInherit || stderr.Kind == DestInherit); t = t.Parent {
		if stdout.Kind == DestInherit {
			stdout = t.Stdout
		}
		if stderr.Kind == DestInherit {
			stderr = t.Stderr
		}
	}
	return stdout, stderr
}

// environ is the process environment: nil, expool's own, when Env is empty.
func (j *Job) environ() []string {
	if len(j.Env) == 0 {
		return nil
	}
	keys := make([]string, 0, len(j.Env))
	for k := range j.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	env := os.Environ()
	for _, k := range keys {
		env = append(env, k+"="+j.Env[k]) // os/exec keeps the last of duplicates
	}
	return env
}

// inTask reports whether t is j's task or one of its ancestors.
func (j *Job) inTask(t *Task) bool {
	for x := j.Task; x != nil; x = x.Parent {
		if x == t {
			return true
		}
	}
	return false
}

// taskTimedOut reports whether the timeout of a task j is in expired.
func (j *Job) taskTimedOut() bool {
	for x := j.Task; x != nil; x = x.Parent {
		if x.timedOut {
			return true
		}
	}
	return false
}
