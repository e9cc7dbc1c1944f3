// Package pool runs jobs, OS processes, in pools of bounded size with a
// timeout per job, optionally grouped into tasks. It owns processes, timers,
// termination and the events that drive them, and imports no Lua: package
// luaapi is its Lua face.
//
// One Loop serves all the pools of a program. Every method of Loop, Pool, Job
// and Task is called from one goroutine, the one that owns the callbacks
// (luaapi's Lua state), except Loop.Interrupt, which a signal handler calls.
// Processes are waited for, and timeouts fired, on other goroutines, which
// only post events that the owner dispatches while it runs the loop (in
// Join, ExecuteWait, Terminate or Shutdown).
package pool

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// Observer hears of jobs as the loop runs them, to keep records of the run
// (a job log, progress, a timeline). Its methods are called on the loop's
// goroutine, and must not block.
type Observer interface {
	// JobExecuted: j was handed to a pool.
	JobExecuted(j *Job)
	// AttemptStarted: j.Last is a new attempt, its process started (or a stub).
	AttemptStarted(j *Job)
	// AttemptEnded: j.Last has ended; st is how: the job's final status, or
	// timeout for an attempt that is restarted.
	AttemptEnded(j *Job, st Status)
	// JobFinished: j has ended for good (j.Status) and its callbacks have run.
	JobFinished(j *Job)
}

// Loop runs the pools of one program: it owns their jobs and tasks and
// dispatches the events that drive them.
type Loop struct {
	launcher Launcher
	devnull  *os.File
	// Stdout and Stderr are where jobs' output goes when it is inherited.
	Stdout, Stderr *os.File
	// Observers hear of every job; set them before the first Execute.
	Observers []Observer
	// Resume, if set, is asked about every job executed: true means the job
	// ran to "done" in an earlier run, so it ends at once with status done
	// and Resumed set, without running, its ondone and onfinish called.
	Resume func(j *Job) bool

	pools []*Pool

	inboxMu sync.Mutex
	inbox   []event
	ready   []event // taken from inbox, dispatched in order
	wake    chan struct{}

	mu       sync.Mutex // guards live, stopping and hurry
	live     map[*execution]struct{}
	stopping bool // Interrupt was called: no job starts any more
	hurry    bool // and a second time: SIGKILL at once
}

// NewLoop returns a loop that starts processes with launcher.
func NewLoop(launcher Launcher) (*Loop, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return &Loop{
		launcher: launcher,
		devnull:  devnull,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		wake:     make(chan struct{}, 1),
		live:     make(map[*execution]struct{}),
	}, nil
}

// Close releases the loop's files and closes its launchers, its own and its
// pools', that are io.Closers (Local then kills whatever its jobs left).
// Call it after Shutdown.
func (l *Loop) Close() error {
	closed := map[Launcher]bool{}
	for _, launcher := range append([]Launcher{l.launcher}, l.poolLaunchers()...) {
		if c, ok := launcher.(io.Closer); ok && !closed[launcher] {
			closed[launcher] = true
			c.Close()
		}
	}
	return l.devnull.Close()
}

func (l *Loop) poolLaunchers() []Launcher {
	var ls []Launcher
	for _, p := range l.pools {
		if p.Launcher != nil {
			ls = append(ls, p.Launcher)
		}
	}
	return ls
}

type eventKind uint8

const (
	evEnded       eventKind = iota // an attempt's process ended and was reaped
	evFinish                       // a job ended without a process: stub, cancelled, or failed to start
	evTaskTimeout                  // a task's timeout expired
	evResume                       // a pool's startdelay is over
	evStarted                      // a queued attempt's command started running
)

type event struct {
	kind   eventKind
	att    *execution
	job    *Job
	status Status // for evFinish
	task   *Task
	pool   *Pool
	at     time.Time // for evStarted
}

// post queues ev for the loop; it never blocks and is safe from any goroutine.
func (l *Loop) post(ev event) {
	l.inboxMu.Lock()
	l.inbox = append(l.inbox, ev)
	l.inboxMu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *Loop) next() (event, bool) {
	if len(l.ready) == 0 {
		l.inboxMu.Lock()
		l.ready, l.inbox = l.inbox, l.ready[:0]
		l.inboxMu.Unlock()
		if len(l.ready) == 0 {
			return event{}, false
		}
	}
	ev := l.ready[0]
	l.ready[0] = event{}
	l.ready = l.ready[1:]
	return ev, true
}

// runUntil dispatches events until done reports true, deadline fires
// (expired), or ctx is cancelled.
func (l *Loop) runUntil(ctx context.Context, done func() bool, deadline <-chan time.Time) (expired bool, err error) {
	for !done() {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		select {
		case <-deadline:
			return true, nil
		default:
		}
		if ev, ok := l.next(); ok {
			l.dispatch(ev)
			continue
		}
		// A worker freed while its job's callbacks ran (in which this loop
		// may be nested) is filled only here.
		for _, p := range l.pools {
			p.schedule()
		}
		if done() {
			continue
		}
		select {
		case <-l.wake:
		case <-deadline:
			return true, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	return false, nil
}

func (l *Loop) dispatch(ev event) {
	switch ev.kind {
	case evEnded:
		l.ended(ev.att)
	case evFinish:
		l.finish(ev.job, ev.status)
	case evTaskTimeout:
		l.taskTimeout(ev.task)
	case evResume:
		ev.pool.holdArmed = false
		ev.pool.schedule()
	case evStarted:
		l.started(ev.att, ev.at)
	}
}

// start starts j, which is pending and holds a worker slot, or runs
// synchronously: its task chain, onstart, then its process. A job that ends
// without a process finishes from the loop, never inside start, so that a
// task cannot finish while the code that executes its members runs.
func (l *Loop) start(j *Job) {
	p := j.pool
	if j.Status != StatusRunning {
		j.Status = StatusRunning
		p.running++
	}
	// While its callbacks run, the job cannot end: a join or terminate they
	// call must not wait for it (see Pool.idle). A terminate among them
	// cancels it.
	p.starting++
	terminations := p.terminations
	if j.Task != nil {
		l.taskStarting(j.Task)
	}
	var err error
	if j.OnStart != nil {
		err = j.OnStart(j)
	}
	p.starting--
	switch {
	case errors.Is(err, context.Canceled):
		l.finishLater(j, StatusCancelled)
		return
	case err != nil:
		j.Error = "onstart: " + err.Error()
		l.finishLater(j, StatusError)
		return
	}
	if l.isStopping() || p.terminating || p.terminations != terminations || j.taskTimedOut() {
		l.finishLater(j, StatusCancelled)
		return
	}
	if len(j.Args) == 0 {
		now := time.Now()
		j.Last = &Attempt{Start: now, Stop: now}
		for _, o := range l.Observers {
			o.AttemptStarted(j)
			o.AttemptEnded(j, StatusDone)
		}
		l.finishLater(j, StatusDone)
		return
	}
	out, err := l.openOutputs(j, p.PipeLimit)
	if err != nil {
		j.Error = err.Error()
		l.finishLater(j, StatusError)
		return
	}
	launcher := p.Launcher
	if launcher == nil {
		launcher = l.launcher
	}
	a := &execution{job: j, out: out, grace: p.KillGrace}
	proc, err := launcher.Launch(&Command{
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
		j.Error = err.Error()
		l.finishLater(j, StatusError)
		return
	}
	a.proc, a.start = proc, time.Now()
	out.started()
	j.Last = &Attempt{Start: a.start, PID: proc.Pid()}
	for _, o := range l.Observers {
		o.AttemptStarted(j)
	}
	l.register(a)
	_, queued := proc.(Queued)
	if j.Timeout > 0 && !queued {
		a.armTimeout(j.Timeout)
	}
	switch {
	case j.StartDelay > 0 && queued:
		p.heldBy = a // until its command starts
	case j.StartDelay > 0:
		p.holdUntil = a.start.Add(j.StartDelay)
	}
	go a.wait(l)
}

// launcherArgs are the pool's launcher arguments, then the job's.
func launcherArgs(p *Pool, j *Job) []string {
	if j.Extra == nil || len(j.Extra.LauncherArgs) == 0 {
		return p.LauncherArgs
	}
	return append(append([]string(nil), p.LauncherArgs...), j.Extra.LauncherArgs...)
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

// finishLater has the loop finish j with status st.
func (l *Loop) finishLater(j *Job, st Status) {
	l.post(event{kind: evFinish, job: j, status: st})
}

// ended handles the end of an attempt: restart on timeout, or finish.
func (l *Loop) ended(a *execution) {
	j := a.job
	l.unregister(a)
	if j.pool.heldBy == a {
		j.pool.heldBy = nil // it never started: no startdelay
	}
	rec := j.Last
	rec.Output, rec.ErrOutput = a.stdout, a.stderr
	if a.err != nil {
		j.Error = a.err.Error()
		l.finish(j, StatusError)
		return
	}
	rec.Stop = a.stop
	rec.ReturnCode = a.exit.Code
	rec.Rusage = a.exit.Rusage
	reason := a.stopReason()
	restart := reason == StatusTimeout && j.RestartOnTimeout &&
		(j.MaxRestarts < 0 || j.Restarts < j.MaxRestarts) &&
		!l.isStopping() && !j.pool.terminating && !j.taskTimedOut()
	st := reason
	switch {
	case reason != "":
	case a.exit.Code == 0:
		st = StatusDone
	default:
		st = StatusFailed
	}
	// Records first: a job log's line is written before any callback runs.
	for _, o := range l.Observers {
		o.AttemptEnded(j, st)
	}
	if restart {
		j.Restarts++
		l.start(j)
		return
	}
	l.finish(j, st)
}

// finish ends j with status st: it frees j's worker slot, runs j's callbacks,
// counts j in its task, and starts what can start.
func (l *Loop) finish(j *Job, st Status) {
	p := j.pool
	if j.Status == StatusRunning {
		p.running--
	}
	j.Status = st
	if j.slot {
		j.slot = false
		p.busy--
	}
	p.unfinished--
	if st != StatusDone {
		p.Failures = append(p.Failures, j)
	}
	if st == StatusDone && j.OnDone != nil {
		j.OnDone(j)
	}
	if j.OnFinish != nil {
		j.OnFinish(j)
	}
	if j.Task != nil {
		l.memberFinished(j.Task, st == StatusDone)
	}
	j.finished = true
	for _, o := range l.Observers {
		o.JobFinished(j)
	}
	p.schedule()
}

// cancel cancels j, which Execute is admitting: its callbacks run from the
// loop, not inside Execute.
func (l *Loop) cancel(j *Job) {
	j.Status = StatusCancelled
	l.finishLater(j, StatusCancelled)
}

func (l *Loop) register(a *execution) {
	l.mu.Lock()
	l.live[a] = struct{}{}
	stopping, hurry := l.stopping, l.hurry
	l.mu.Unlock()
	if stopping {
		a.terminate(StatusTerminated, hurry)
	}
}

func (l *Loop) unregister(a *execution) {
	l.mu.Lock()
	delete(l.live, a)
	l.mu.Unlock()
}

func (l *Loop) isStopping() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stopping
}

// terminateLive terminates the running attempts whose job matches.
func (l *Loop) terminateLive(match func(*Job) bool, hurry bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for a := range l.live {
		if match(a.job) {
			a.terminate(StatusTerminated, hurry)
		}
	}
}

// Interrupt terminates every running job of every pool (status terminated)
// and keeps any job from starting from now on; called again, it sends SIGKILL
// at once rather than after the grace period. It is safe from any goroutine:
// a signal handler calls it, then makes the owner of the loop call Shutdown.
func (l *Loop) Interrupt() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hurry = l.stopping
	l.stopping = true
	for a := range l.live {
		a.terminate(StatusTerminated, l.hurry)
	}
}

// Shutdown interrupts every job, cancels the pending ones, and runs the loop
// until all of them have finished and their callbacks have run. No process of
// theirs is left when it returns, unless ctx was cancelled first.
func (l *Loop) Shutdown(ctx context.Context) error {
	l.mu.Lock()
	stopping := l.stopping
	l.mu.Unlock()
	if !stopping {
		l.Interrupt()
	}
	for _, p := range l.pools {
		p.cancelQueued(func(*Job) bool { return true })
	}
	_, err := l.runUntil(ctx, l.idle, nil)
	return err
}

func (l *Loop) idle() bool {
	for _, p := range l.pools {
		if !p.idle() {
			return false
		}
	}
	return true
}

// execution is a running attempt of a job: its process, its output and the
// timers that may stop it.
type execution struct {
	job   *Job
	proc  Process
	out   *outputs
	grace time.Duration
	timer *time.Timer // the job's timeout, once armed

	mu        sync.Mutex // guards timer, reason, termSent, killTimer and over
	reason    Status     // why expool stopped it: timeout or terminated
	termSent  bool
	killTimer *time.Timer
	over      bool // its process has ended

	// Written by wait before it posts evEnded, read by the loop after.
	start, stop    time.Time
	exit           Exit
	err            error
	stdout, stderr []byte
}

// terminate sends SIGTERM to the attempt's process group, and SIGKILL after
// the grace period, or at once when hurried. The first reason given stands.
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

func (a *execution) stopReason() Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reason
}

// wait waits for the attempt's process group to end, collects its output and
// posts evEnded. It runs on its own goroutine.
func (a *execution) wait(l *Loop) {
	a.exit, a.err = a.proc.Wait()
	a.stop = time.Now()
	a.mu.Lock()
	a.over = true
	if a.timer != nil {
		a.timer.Stop()
	}
	if a.killTimer != nil {
		a.killTimer.Stop()
	}
	a.mu.Unlock()
	a.stdout, a.stderr = a.out.finish()
	l.post(event{kind: evEnded, att: a})
}
