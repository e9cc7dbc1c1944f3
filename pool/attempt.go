package pool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
)

// The life of a job's attempt, on the loop's goroutine but for processEnded:
//
//	start  the job, holding a worker slot (or run synchronously, or ended
//	       and to run again), is made ready: its task chain starts and its
//	       onstart runs; mayRun says whether it may still run; launch
//	       opens its outputs and starts its process
//	await  a process whose start is under way (Starting) is watched, and
//	       begins once its launcher says it has started (started); one
//	       that could not start finishes its job as a failed launch does
//	begin  the attempt exists: the observers hear AttemptStarted
//	run    its timeout is armed; processEnded, called when the process
//	       group has ended (by the launcher, or a goroutine that waits),
//	       posts evEnded once the PIPEs are drained
//	ended  the attempt's outcome is read (how it ended, see outcome)
//	end    the observers hear AttemptEnded
//	again  says whether the job runs again (start), or finishes
//
// A start that does not become an attempt (onstart failed, mayRun said no,
// the process could not start) finishes the job from the loop, with no
// attempt event. begin and end are the only places that tell observers of
// attempts. A new reason for an attempt to end is a Status that terminate is
// given (or that outcome reads); a new reason to run a job again is a case of
// again.

// An outcome is how an attempt ended, or why a start did not become one: the
// status it gives the job, and what Job.Error then says, if anything.
type outcome struct {
	status Status
	err    string
}

// start starts an attempt of j, which is pending and holds a worker slot, or
// runs synchronously, or ended an attempt and runs again. A job that does not
// start finishes from the loop, never inside start, so that a task cannot
// finish while the code that executes its members runs.
func (l *Loop) start(j *Job) {
	if refused, ok := l.prepare(j); !ok {
		l.finishLater(j, refused)
		return
	}
	if len(j.Args) == 0 {
		// A stub: an attempt without a process, which ends at once, done,
		// and never runs again.
		l.begin(j, &Attempt{Start: time.Now()})
		j.Last.Stop = j.Last.Start
		l.end(j, outcome{status: StatusDone})
		l.finishLater(j, outcome{status: StatusDone})
		return
	}
	a, err := l.launch(j)
	if err != nil {
		l.finishLater(j, outcome{status: StatusError, err: err.Error()})
		return
	}
	if _, ok := a.proc.(Starting); ok {
		l.await(a)
		return
	}
	l.begin(j, a.rec)
	l.run(a)
}

// prepare runs what comes before an attempt of j: j's task chain starts and
// its onstart runs, during which j cannot end (see Pool.idle) and a terminate
// of its pool cancels it. It reports whether j may run then, and if not, how
// it ends.
func (l *Loop) prepare(j *Job) (refused outcome, ok bool) {
	p := j.pool
	if j.Status != StatusRunning {
		j.Status = StatusRunning
		p.running++
	}
	p.starting = append(p.starting, j)
	if j.Task != nil {
		l.taskStarting(j.Task)
	}
	var err error
	if j.OnStart != nil {
		err = j.OnStart(j)
	}
	p.starting[len(p.starting)-1] = nil
	p.starting = p.starting[:len(p.starting)-1]
	switch {
	case errors.Is(err, context.Canceled):
		why := l.whyNot(j)
		var c *cancelled
		if errors.As(err, &c) {
			why = c.why
		}
		return outcome{status: StatusCancelled, err: why}, false
	case err != nil:
		return outcome{status: StatusError, err: "onstart: " + err.Error()}, false
	case !l.mayRun(j):
		return outcome{status: StatusCancelled, err: l.whyNot(j)}, false
	}
	return outcome{}, true
}

// Cancelled is an error an OnStart returns to cancel its job (status
// cancelled), saying why: what Job.Error then says. It is a
// context.Canceled.
func Cancelled(why string) error { return &cancelled{why} }

type cancelled struct{ why string }

func (c *cancelled) Error() string        { return "cancelled: " + c.why }
func (c *cancelled) Is(target error) bool { return target == context.Canceled }

// mayRun reports whether j may still run: expool is not stopping, j's pool is
// not terminating (and was not terminated while j's onstart ran), and no task
// of j's has timed out.
func (l *Loop) mayRun(j *Job) bool {
	return !l.isStopping() && !j.pool.terminating && !j.cancel && j.timedOutTask() == nil
}

// whyNot says why mayRun says no, in the words of Job.Error.
func (l *Loop) whyNot(j *Job) string {
	if why := l.stopWhy(); why != "" {
		return why
	}
	switch {
	case j.pool.terminating:
		return j.pool.stopWhy
	case j.cancel:
		return j.Error
	}
	if t := j.timedOutTask(); t != nil {
		return fmt.Sprintf("task %q timed out", t.Name)
	}
	return ""
}

// cancelStarting keeps j, whose onstart is running, from starting once it
// returns: it ends cancelled, for the reason why.
func (l *Loop) cancelStarting(j *Job, why string) {
	if !j.cancel {
		j.cancel = true
		j.Error = why
	}
}

// launch opens j's outputs, gives it its CPUs, and starts its process; the
// file descriptors the attempt holds count from now until it has ended.
func (l *Loop) launch(j *Job) (*execution, error) {
	p := j.pool
	fds := l.fdsOf(j, p.launcher())
	l.fds.held += fds
	out, err := l.openOutputs(j, p.PipeLimit)
	if err != nil {
		l.fds.held -= fds
		return nil, err
	}
	cpus := l.takeCPUs(j)
	a := &execution{job: j, pool: p, out: out, grace: p.KillGrace, rec: &Attempt{CPUs: cpus},
		memLimit: j.MemLimit(), requeueable: j.slot}
	a.memory = &execMemory{index: -1, mu: &p.mem.mu}
	a.rec.mem = a.memory
	if p.MemLimit > 0 {
		a.memory.expected = p.expected(j)
	}
	c := &Command{
		Name:         j.Name,
		Args:         j.Args,
		Dir:          j.Workdir,
		Env:          j.environ(cpus),
		Stdin:        l.devnull,
		Stdout:       out.stdout,
		Stderr:       out.stderr,
		Timeout:      j.Timeout,
		CPUs:         cpusPerJob(p, j),
		MemLimit:     a.memLimit,
		LauncherArgs: launcherArgs(p, j),
		Affinity:     cpus,
		Started:      func(t time.Time) { l.post(event{kind: evStarted, att: a, at: t}) },
	}
	if p.sampled {
		c.MemSample = p.MemSample
		c.OnMemory = func(b int64) { l.sampled(a, b) }
	}
	proc, err := p.launcher().Launch(c)
	if err != nil {
		out.close()
		l.releaseCPUs(cpus)
		l.fds.held -= fds
		return nil, err
	}
	out.started()
	a.proc, a.start, a.fds = proc, time.Now(), fds
	if _, ok := proc.(Starting); ok {
		return a, nil // its start and pid come with started
	}
	if t, ok := proc.(TimedProcess); ok {
		a.start = t.StartTime()
	}
	a.rec.Start, a.rec.PID = a.start, proc.Pid()
	return a, nil
}

// cpusPerJob is how many CPUs j asks a scheduler for: its pool's affinity,
// unless j is not pinned.
func cpusPerJob(p *Pool, j *Job) int {
	if !j.pinned() {
		return 0
	}
	return p.Affinity
}

// launcherArgs are the pool's launcher arguments, then the job's.
func launcherArgs(p *Pool, j *Job) []string {
	if j.Extra == nil || len(j.Extra.LauncherArgs) == 0 {
		return p.LauncherArgs
	}
	return append(append([]string(nil), p.LauncherArgs...), j.Extra.LauncherArgs...)
}

// begin makes rec, j's new attempt (its Start and PID set, PID 0 for a
// stub), its last, and tells the observers.
func (l *Loop) begin(j *Job, rec *Attempt) {
	j.Last = rec
	for _, o := range l.Observers {
		o.AttemptStarted(j)
	}
}

// run watches the running attempt a: a stop asked for meanwhile, its
// timeout, its memory, its process's end (which the launcher tells of, or a
// goroutine waits for). The pool holds back its next start for j's
// startdelay. A queued attempt (Slurm's) is timed from its command's start
// (see started), and holds the pool back until then.
func (l *Loop) run(a *execution) {
	j := a.job
	l.watch(a)
	_, queued := a.proc.(Queued)
	if j.Timeout > 0 && !queued {
		// From the process's start, which may be before now.
		a.armTimeout(time.Until(a.start.Add(j.Timeout)))
	}
	switch {
	case j.StartDelay > 0 && queued:
		j.pool.heldBy = a
	case j.StartDelay > 0:
		j.pool.holdUntil = a.start.Add(j.StartDelay)
	}
}

// await watches a, whose process's start is under way (Starting): a stop
// asked for meanwhile reaches the process once it has started, which begins
// the attempt (started). The pool holds back its next start until then, if
// j has a startdelay.
func (l *Loop) await(a *execution) {
	l.watch(a)
	if a.job.StartDelay > 0 {
		a.job.pool.heldBy = a
	}
}

// watch has a stopped with the rest (it is live), its memory counted, and its
// process's end reported (processEnded).
func (l *Loop) watch(a *execution) {
	l.register(a)
	if a.pool.sampled {
		a.pool.track(a)
	}
	if n, ok := a.proc.(EndNotifier); ok {
		n.OnEnd(func(e Exit, err error) { a.processEnded(l, e, err) })
	} else {
		go func() {
			e, err := a.proc.Wait()
			a.processEnded(l, e, err)
		}()
	}
}

// started handles an attempt whose command has started running, at t: one
// whose start was under way (Starting) begins; a queued one (Slurm's) is
// timed from then. Its timeout and startdelay count from t.
func (l *Loop) started(a *execution, t time.Time) {
	l.mu.Lock()
	_, live := l.live[a]
	l.mu.Unlock()
	if !live {
		return
	}
	j := a.job
	if a.begun(j) {
		j.Last.Start = t
	} else {
		a.pool.mem.mu.Lock() // the sampler's goroutine reads start
		a.start = t
		a.pool.mem.mu.Unlock()
		a.rec.Start, a.rec.PID = t, a.proc.Pid()
		l.begin(j, a.rec)
	}
	if j.Timeout > 0 {
		a.armTimeout(time.Until(t.Add(j.Timeout)))
	}
	if p := j.pool; p.heldBy == a {
		p.heldBy = nil
		p.holdUntil, p.holdArmed = t.Add(j.StartDelay), false
		p.schedule()
	}
}

// ended handles the end of a's process, which processEnded reported: the
// attempt ends, then its job is requeued, runs again or finishes. A job that
// ends timeout or memory ends the jobs related to it first (see chain).
func (l *Loop) ended(a *execution) {
	l.unregister(a)
	l.fds.held -= a.fds
	j := a.job
	if j.pool.heldBy == a {
		j.pool.heldBy = nil // it never started: no startdelay
	}
	if !a.begun(j) {
		// Its process could not start (a StartError): no attempt, as
		// when Launch fails.
		l.releaseCPUs(a.rec.CPUs)
		why := "the process ended before it started" // a launcher's bug
		if a.err != nil {
			why = a.err.Error()
		}
		l.finishLater(j, outcome{status: StatusError, err: why})
		return
	}
	rec := j.Last
	rec.Stop, rec.ReturnCode, rec.Rusage = a.stop, a.exit.Code, a.exit.Rusage
	rec.Output, rec.ErrOutput = a.stdout, a.stderr
	rec.Lost = a.err != nil
	_, rec.PeakMem, _ = rec.Memory()
	l.releaseCPUs(rec.CPUs)
	o := a.outcome()
	if o.status == StatusRequeued {
		// It does not run again if it may not, or if it would hit a wall
		// that a related job hit since it started.
		if !l.mayRun(j) {
			o = outcome{status: StatusTerminated, err: l.whyNot(j)}
		} else if why := j.pool.wallFor(j); why != "" {
			o = outcome{status: StatusTerminated, err: why}
		}
	}
	l.end(j, o)
	switch {
	case o.status == StatusRequeued:
		j.pool.requeue(j)
		return
	case l.again(j, o):
		j.Restarts++
		if o.status == StatusFailed {
			j.Extra.retried++
		}
		l.start(j)
		return
	case o.status == StatusTimeout, o.status == StatusMemory:
		l.chain(j, o.status)
	}
	l.finish(j, o.status)
}

// end closes j's last attempt, whose record the caller has filled in, with
// how it ended, and tells the observers: a job log's line is written before
// any callback runs.
func (l *Loop) end(j *Job, o outcome) {
	if o.err != "" {
		j.Error = o.err
	}
	for _, ob := range l.Observers {
		ob.AttemptEnded(j, o.status)
	}
}

// again reports whether j, whose attempt ended with o, runs again: after a
// timeout, while it has restarts left (requeues and retries do not count);
// after a failure, while it has retries left. It never does once mayRun says
// no.
func (l *Loop) again(j *Job, o outcome) bool {
	switch o.status {
	case StatusTimeout:
		restarts := j.Restarts - j.retried()
		if j.Extra != nil {
			restarts -= j.Extra.requeues
		}
		return j.RestartOnTimeout && (j.MaxRestarts < 0 || restarts < j.MaxRestarts) && l.mayRun(j)
	case StatusFailed:
		return j.Extra != nil && j.Extra.retried < j.Extra.Retries && l.mayRun(j)
	}
	return false
}

// execution is a running attempt of a job: its process, its output, its
// memory and the timers that may stop it. What the sampler's goroutine reads
// of it is set before it is tracked, and never changes, but for start, which
// started sets under the pool's memory mutex.
type execution struct {
	job   *Job
	pool  *Pool
	rec   *Attempt // its record, the job's Last once begun
	proc  Process
	out   *outputs
	grace time.Duration
	timer *time.Timer // the job's timeout, once armed
	start time.Time
	fds   int // file descriptors it holds while it runs (fdsOf)

	memLimit    int64       // the job's, bytes
	requeueable bool        // it holds a worker slot: the pool can requeue it
	memory      *execMemory // guarded by the pool's memory mutex; the record's too

	mu        sync.Mutex // guards timer, reason, why, termSent, killTimer and over
	reason    Status     // why expool stopped it: timeout, terminated, memory or requeued
	why       string     // what Job.Error then says
	termSent  bool
	killTimer *time.Timer
	over      bool // its process has ended

	// Written by processEnded before it posts evEnded, read by the loop after.
	stop           time.Time
	exit           Exit
	err            error
	stdout, stderr []byte
}

// terminate sends SIGTERM to the attempt's process group, and SIGKILL after
// the grace period, or at once when hurried. The first reason given stands:
// it is the status the attempt ends with, and why what Job.Error says.
func (a *execution) terminate(reason Status, why string, hurry bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.termSent {
		if hurry {
			a.proc.Signal(syscall.SIGKILL)
		}
		return
	}
	if a.proc.Signal(syscall.SIGTERM) != nil {
		return // it has exited already: its own exit status stands
	}
	a.termSent = true
	a.reason, a.why = reason, why
	if hurry || a.grace <= 0 {
		a.proc.Signal(syscall.SIGKILL)
		return
	}
	a.killTimer = time.AfterFunc(a.grace, func() { a.proc.Signal(syscall.SIGKILL) })
}

// begun reports whether a, an attempt of j, has begun: not so while its
// process's start is under way, or if it could not start.
func (a *execution) begun(j *Job) bool { return j.Last == a.rec }

// stopping reports whether expool has begun to terminate the attempt.
func (a *execution) stopping() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.termSent
}

// armTimeout terminates the attempt with status timeout in d, unless it has
// ended or is being terminated.
func (a *execution) armTimeout(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.over || a.termSent || a.timer != nil {
		return
	}
	a.timer = time.AfterFunc(d, func() { a.terminate(StatusTimeout, "", false) })
}

// outcome is how the ended attempt ended: error if its end is unknown (Wait
// failed), else as expool stopped it, else by its exit status.
func (a *execution) outcome() outcome {
	a.mu.Lock()
	reason, why := a.reason, a.why
	a.mu.Unlock()
	switch {
	case a.err != nil:
		return outcome{status: StatusError, err: a.err.Error()}
	case reason != "":
		return outcome{status: reason, err: why}
	case a.exit.Code == 0:
		return outcome{status: StatusDone}
	}
	return outcome{status: StatusFailed}
}

// processEnded records how the attempt's process group ended (Wait's
// results), stops the attempt's timers and, once its PIPEs are drained,
// posts evEnded. It runs on the launcher's goroutine, or on one that waited:
// it does not block, and drains PIPEs, which may take drainDelay, on a
// goroutine of their own. The attempt's memory is sampled no more.
func (a *execution) processEnded(l *Loop, e Exit, err error) {
	a.exit, a.err = e, err
	a.stop = a.exit.Stop
	if a.stop.IsZero() {
		a.stop = time.Now()
	}
	if a.pool.sampled {
		a.pool.untrack(a)
	}
	a.mu.Lock()
	a.over = true
	if a.timer != nil {
		a.timer.Stop()
	}
	if a.killTimer != nil {
		a.killTimer.Stop()
	}
	a.mu.Unlock()
	if !a.out.pipes() {
		l.post(event{kind: evEnded, att: a})
		return
	}
	go func() {
		a.stdout, a.stderr = a.out.finish()
		l.post(event{kind: evEnded, att: a})
	}()
}
