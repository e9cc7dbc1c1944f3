package pool

import (
	"context"
	"errors"
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
		now := time.Now()
		l.begin(j, now, 0)
		j.Last.Stop = now
		l.end(j, outcome{status: StatusDone})
		l.finishLater(j, outcome{status: StatusDone})
		return
	}
	a, err := l.launch(j)
	if err != nil {
		l.finishLater(j, outcome{status: StatusError, err: err.Error()})
		return
	}
	l.begin(j, a.start, a.proc.Pid())
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
		return outcome{status: StatusCancelled}, false
	case err != nil:
		return outcome{status: StatusError, err: "onstart: " + err.Error()}, false
	case !l.mayRun(j):
		return outcome{status: StatusCancelled}, false
	}
	return outcome{}, true
}

// mayRun reports whether j may still run: expool is not stopping, j's pool is
// not terminating (and was not terminated while j's onstart ran), and no task
// of j's has timed out.
func (l *Loop) mayRun(j *Job) bool {
	return !l.isStopping() && !j.pool.terminating && !j.cancel && !j.taskTimedOut()
}

// launch opens j's outputs and starts its process; the file descriptors the
// attempt holds count from now until it has ended.
func (l *Loop) launch(j *Job) (*execution, error) {
	p := j.pool
	fds := l.fdsOf(j, p.launcher())
	l.fds.held += fds
	out, err := l.openOutputs(j, p.PipeLimit)
	if err != nil {
		l.fds.held -= fds
		return nil, err
	}
	a := &execution{job: j, out: out, grace: p.KillGrace}
	proc, err := p.launcher().Launch(&Command{
		Name:         j.Name,
		Args:         j.Args,
		Dir:          j.Workdir,
		Env:          j.environ(),
		Stdin:        l.devnull,
		Stdout:       out.stdout,
		Stderr:       out.stderr,
		Timeout:      j.Timeout,
		LauncherArgs: launcherArgs(p, j),
		Started:      func(t time.Time) { l.post(event{kind: evStarted, att: a, at: t}) },
	})
	if err != nil {
		out.close()
		l.fds.held -= fds
		return nil, err
	}
	out.started()
	a.proc, a.start, a.fds = proc, time.Now(), fds
	if t, ok := proc.(TimedProcess); ok {
		a.start = t.StartTime()
	}
	return a, nil
}

// launcherArgs are the pool's launcher arguments, then the job's.
func launcherArgs(p *Pool, j *Job) []string {
	if j.Extra == nil || len(j.Extra.LauncherArgs) == 0 {
		return p.LauncherArgs
	}
	return append(append([]string(nil), p.LauncherArgs...), j.Extra.LauncherArgs...)
}

// begin makes j's new attempt, started at start by process pid (0 for a
// stub), its last, and tells the observers.
func (l *Loop) begin(j *Job, start time.Time, pid int) {
	j.Last = &Attempt{Start: start, PID: pid}
	for _, o := range l.Observers {
		o.AttemptStarted(j)
	}
}

// run watches the running attempt a: a stop asked for meanwhile, its
// timeout, its process's end (which the launcher tells of, or a goroutine
// waits for). The pool holds back its next start for j's startdelay. A
// queued attempt (Slurm's) is timed from its command's start (see started),
// and holds the pool back until then.
func (l *Loop) run(a *execution) {
	j := a.job
	l.register(a)
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
	if n, ok := a.proc.(EndNotifier); ok {
		n.OnEnd(func(e Exit, err error) { a.processEnded(l, e, err) })
	} else {
		go func() {
			e, err := a.proc.Wait()
			a.processEnded(l, e, err)
		}()
	}
}

// started handles a queued attempt whose command has started running, at t:
// that is its start, and its timeout and startdelay count from then.
func (l *Loop) started(a *execution, t time.Time) {
	l.mu.Lock()
	_, live := l.live[a]
	l.mu.Unlock()
	if !live {
		return
	}
	j := a.job
	j.Last.Start = t
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
// attempt ends, then its job runs again or finishes.
func (l *Loop) ended(a *execution) {
	l.unregister(a)
	l.fds.held -= a.fds
	j := a.job
	if j.pool.heldBy == a {
		j.pool.heldBy = nil // it never started: no startdelay
	}
	rec := j.Last
	rec.Stop, rec.ReturnCode, rec.Rusage = a.stop, a.exit.Code, a.exit.Rusage
	rec.Output, rec.ErrOutput = a.stdout, a.stderr
	rec.Lost = a.err != nil
	o := a.outcome()
	l.end(j, o)
	if l.again(j, o) {
		j.Restarts++
		if o.status == StatusFailed {
			j.Extra.retried++
		}
		l.start(j)
		return
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
// timeout, while it has restarts left; after a failure, while it has retries
// left. It never does once mayRun says no.
func (l *Loop) again(j *Job, o outcome) bool {
	switch o.status {
	case StatusTimeout:
		return j.RestartOnTimeout && (j.MaxRestarts < 0 || j.Restarts-j.retried() < j.MaxRestarts) && l.mayRun(j)
	case StatusFailed:
		return j.Extra != nil && j.Extra.retried < j.Extra.Retries && l.mayRun(j)
	}
	return false
}

// execution is a running attempt of a job: its process, its output and the
// timers that may stop it.
type execution struct {
	job   *Job
	proc  Process
	out   *outputs
	grace time.Duration
	timer *time.Timer // the job's timeout, once armed
	fds   int         // file descriptors it holds while it runs (fdsOf)

	mu        sync.Mutex // guards timer, reason, termSent, killTimer and over
	reason    Status     // why expool stopped it: timeout or terminated
	termSent  bool
	killTimer *time.Timer
	over      bool // its process has ended

	// Written by processEnded before it posts evEnded, read by the loop after.
	start, stop    time.Time
	exit           Exit
	err            error
	stdout, stderr []byte
}

// terminate sends SIGTERM to the attempt's process group, and SIGKILL after
// the grace period, or at once when hurried. The first reason given stands:
// it is the status the attempt ends with.
func (a *execution) terminate(reason Status, hurry bool) {
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
	a.reason = reason
	if hurry || a.grace <= 0 {
		a.proc.Signal(syscall.SIGKILL)
		return
	}
	a.killTimer = time.AfterFunc(a.grace, func() { a.proc.Signal(syscall.SIGKILL) })
}

// armTimeout terminates the attempt with status timeout in d, unless it has
// ended or is being terminated.
func (a *execution) armTimeout(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.over || a.termSent || a.timer != nil {
		return
	}
	a.timer = time.AfterFunc(d, func() { a.terminate(StatusTimeout, false) })
}

// outcome is how the ended attempt ended: error if its end is unknown (Wait
// failed), else as expool stopped it, else by its exit status.
func (a *execution) outcome() outcome {
	a.mu.Lock()
	reason := a.reason
	a.mu.Unlock()
	switch {
	case a.err != nil:
		return outcome{status: StatusError, err: a.err.Error()}
	case reason != "":
		return outcome{status: reason}
	case a.exit.Code == 0:
		return outcome{status: StatusDone}
	}
	return outcome{status: StatusFailed}
}

// processEnded records how the attempt's process group ended (Wait's
// results), stops the attempt's timers and, once its PIPEs are drained,
// posts evEnded. It runs on the launcher's goroutine, or on one that waited:
// it does not block, and drains PIPEs, which may take drainDelay, on a
// goroutine of their own.
func (a *execution) processEnded(l *Loop, e Exit, err error) {
	a.exit, a.err = e, err
	a.stop = a.exit.Stop
	if a.stop.IsZero() {
		a.stop = time.Now()
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
