package pool

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Status is the state of a job or a task.
type Status string

// Statuses of jobs and tasks. A task is only ever pending, running, done,
// failed or timeout. Requeued is only ever an attempt's: one that the pool
// ended to keep its memory under its limit, and that runs again.
const (
	StatusPending    Status = "pending"    // executed, waiting for a worker
	StatusRunning    Status = "running"    // its process is running
	StatusDone       Status = "done"       // exit 0, not terminated by expool
	StatusFailed     Status = "failed"     // non-zero exit, or killed by a signal expool did not send
	StatusTimeout    Status = "timeout"    // killed by expool: its own timeout expired, no restart left
	StatusTerminated Status = "terminated" // killed by expool for any other reason
	StatusCancelled  Status = "cancelled"  // never started: its pool or task ended first
	StatusError      Status = "error"      // could not start
	StatusMemory     Status = "memory"     // killed by expool: over its memory limit, or alone over its pool's
	StatusRequeued   Status = "requeued"   // an attempt ended to keep its pool under its memory limit
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
	cancel   bool // cancelled while its onstart ran (Error says why)
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
	// Error says why the job could not start (status error), or what ended
	// it (terminated, cancelled, memory).
	Error string
	// Last is the job's last attempt: set when it starts, nil before.
	Last *Attempt

	// Owner is for whoever made the job: luaapi keeps its Lua object here.
	Owner any

	pool *Pool
	// Extra holds the spec fields few jobs set, nil when none is, so that a
	// Job stays 256 bytes.
	Extra *JobExtra
}

// JobExtra are the spec fields of a job that few jobs set: its launcher's
// arguments, its retries, its resources and its relation to other jobs.
type JobExtra struct {
	// LauncherArgs are arguments for the launcher itself (srun's options,
	// after the pool's); the local launcher ignores them.
	LauncherArgs []string
	// Retries is how many times the job starts again after an attempt
	// that ended "failed"; each retry counts in Job.Restarts.
	Retries int

	MemLimit int64 // bytes: over it the job is killed, status memory; 0: none
	Mem      int64 // bytes the job is expected to use, for its pool's admission; 0: not given
	// Category and Size relate jobs of one pool: when a job of a category
	// with a size > 0 ends timeout or memory, the jobs of its category whose
	// size is not smaller are cancelled, or terminated if they started after
	// it (for a timeout, Size × Slowdown is compared).
	Category string
	Size     float64
	Slowdown float64 // 0 is 1
	Unpinned bool    // not pinned to CPUs even if its pool pins jobs

	retried  int // retries so far
	requeues int // attempts the pool requeued for memory
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

// MemLimit is the job's memory limit in bytes; 0: none.
func (j *Job) MemLimit() int64 {
	if j.Extra == nil {
		return 0
	}
	return j.Extra.MemLimit
}

// Category is the job's category, "" for none.
func (j *Job) Category() string {
	if j.Extra == nil {
		return ""
	}
	return j.Extra.Category
}

// Size is the job's size within its category; 0: none.
func (j *Job) Size() float64 {
	if j.Extra == nil {
		return 0
	}
	return j.Extra.Size
}

// weight is what chains on a timeout compare: Size × Slowdown.
func (j *Job) weight() float64 {
	if j.Extra == nil {
		return 0
	}
	if j.Extra.Slowdown > 0 {
		return j.Extra.Size * j.Extra.Slowdown
	}
	return j.Extra.Size
}

// pinned reports whether the job is pinned to CPUs when its pool pins jobs.
func (j *Job) pinned() bool { return j.Extra == nil || !j.Extra.Unpinned }

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
	// CPUs are the CPUs the attempt's processes were pinned to; nil: none.
	CPUs []int
	// PeakMem is the largest memory sampled of the ended attempt: the
	// resident memory of its processes, summed (bytes); 0: none sampled.
	PeakMem int64

	mem *execMemory // its samples; nil for a stub, or one resumed
}

// Memory is the attempt's memory as sampled (bytes): the last sample while
// it runs (0 once it has ended), and the largest so far; ok is false if none
// was taken. It is safe to call from any goroutine (a view's, say): a
// running attempt's samples are read under its pool's lock.
func (a *Attempt) Memory() (last, peak int64, ok bool) {
	m := a.mem
	if m == nil {
		return 0, a.PeakMem, a.PeakMem > 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.gone {
		last = m.mem
	}
	return last, m.peak, m.peak > 0
}

// CPUList writes CPUs as EXPOOL_CPUS has them: "0,1,4".
func CPUList(cpus []int) string {
	s := make([]string, len(cpus))
	for i, c := range cpus {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ",")
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

// CPUsEnv is the environment variable that tells a pinned job its CPUs.
const CPUsEnv = "EXPOOL_CPUS"

// environ is the process environment: nil, expool's own, when Env is empty
// and the job is not pinned to cpus.
func (j *Job) environ(cpus []int) []string {
	if len(j.Env) == 0 && cpus == nil {
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
	if cpus != nil {
		env = append(env, CPUsEnv+"="+CPUList(cpus))
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

// timedOutTask is the innermost task j is in whose timeout expired, or nil.
func (j *Job) timedOutTask() *Task {
	for x := j.Task; x != nil; x = x.Parent {
		if x.timedOut {
			return x
		}
	}
	return nil
}
