package pool

import (
	"context"
	"errors"
	"time"
)

// ErrExecuted is returned when a job is executed a second time.
var ErrExecuted = errors.New("job was already executed")

// Config sets up a pool.
type Config struct {
	Name      string
	Workers   int           // jobs running at once; at least 1
	KillGrace time.Duration // between SIGTERM and SIGKILL
	PipeLimit int           // bytes kept per PIPE stream
	Launcher  Launcher      // starts the pool's processes; nil: the loop's
	// LauncherArgs are arguments for the launcher itself (srun's options)
	// given to each of the pool's jobs, before the job's own.
	LauncherArgs []string
}

// Defaults of Config.
const (
	DefaultKillGrace = time.Second
	DefaultPipeLimit = 16 << 20
)

// Pool runs at most Workers jobs at once, in the order they were executed.
type Pool struct {
	Config
	// Failures are the pool's finished jobs whose status is not "done".
	Failures []*Job

	loop        *Loop
	queue       []*Job // executed jobs waiting for a worker, and cancelled ones to skip
	queued      int    // pending jobs in queue
	busy        int    // worker slots taken
	running     int    // jobs whose status is running, synchronous ones included
	unfinished  int    // executed jobs that have not finished
	starting    []*Job // jobs whose onstart (or their task's) is running, innermost last
	terminating bool   // Terminate, or Join after its timeout, is under way
	scheduling  bool
	holdUntil   time.Time  // startdelay: no start before
	heldBy      *execution // startdelay: no start until this queued attempt's command starts
	holdArmed   bool
	since       time.Time // first Execute since the last Join
}

// NewPool returns a new pool run by l.
func (l *Loop) NewPool(c Config) *Pool {
	if c.Workers < 1 {
		c.Workers = 1
	}
	p := &Pool{Config: c, loop: l}
	l.pools = append(l.pools, p)
	return p
}

// launcher is what starts the pool's processes.
func (p *Pool) launcher() Launcher {
	if p.Launcher != nil {
		return p.Launcher
	}
	return p.loop.launcher
}

// Running is the number of the pool's jobs whose process is running.
func (p *Pool) Running() int { return p.running }

// Pending is the number of the pool's jobs waiting for a worker.
func (p *Pool) Pending() int { return p.queued }

// Execute queues j: it starts as soon as a worker is free, at once if one is.
// j is cancelled at once if the pool is terminating, expool is stopping, or
// its task's timeout has expired.
func (p *Pool) Execute(j *Job) error {
	run, err := p.admit(j)
	if err != nil || !run {
		return err
	}
	p.queue = append(p.queue, j)
	p.queued++
	p.schedule()
	return nil
}

// ExecuteWait starts j at once, without taking a worker slot, and runs the
// loop, dispatching other jobs' events too, until j has finished.
func (p *Pool) ExecuteWait(ctx context.Context, j *Job) error {
	run, err := p.admit(j)
	if err != nil {
		return err
	}
	if run {
		p.loop.start(j)
	}
	_, err = p.loop.runUntil(ctx, j.Finished, nil)
	return err
}

// admit makes j the pool's and pending, and reports whether it is to run: it
// is not when it is cancelled at once, or resumed.
func (p *Pool) admit(j *Job) (run bool, err error) {
	if j.pool != nil {
		return false, ErrExecuted
	}
	if j.Task != nil {
		if err := j.Task.checkOpen(); err != nil {
			return false, err
		}
		j.Task.addMember()
	}
	j.pool = p
	j.Status = StatusPending
	p.unfinished++
	if p.since.IsZero() {
		p.since = time.Now()
	}
	l := p.loop
	for _, o := range l.Observers {
		o.JobExecuted(j)
	}
	switch {
	case !l.mayRun(j):
		l.cancel(j)
		return false, nil
	case l.Resume != nil && l.Resume(j):
		// Done in an earlier run: it ends at once, from the loop, without
		// an attempt (Resume may have given it the last one it had).
		j.Resumed = true
		if j.Last == nil {
			now := time.Now()
			j.Last = &Attempt{Start: now, Stop: now}
		}
		l.finishLater(j, outcome{status: StatusDone})
		return false, nil
	}
	return true, nil
}

// schedule starts queued jobs while they may start (mayStart). It may be
// re-entered, by a callback of a job it starts: each round reads the pool
// afresh, and the depth is bounded by the free workers.
func (p *Pool) schedule() {
	for p.queued > 0 {
		j := p.queue[0]
		if j.Status != StatusPending {
			p.queue[0] = nil
			p.queue = p.queue[1:]
			continue // cancelled while queued
		}
		if !p.mayStart(j) {
			return
		}
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.queued--
		p.busy++
		j.slot = true
		p.loop.start(j)
	}
	if p.queued == 0 {
		p.queue = nil // only cancelled jobs are left in it
	}
}

// mayStart reports whether j, the first queued job, may start now: a worker
// is free; no startdelay holds (one that does has the pool scheduled again
// when it is over, or when the queued attempt that holds it starts); the loop has the file descriptors that j holds while it
// runs (else it says once why jobs wait, and the end of another job has the
// pool scheduled again).
func (p *Pool) mayStart(j *Job) bool {
	if p.busy >= p.Workers || p.heldBy != nil {
		return false
	}
	if wait := time.Until(p.holdUntil); wait > 0 {
		if !p.holdArmed {
			p.holdArmed = true
			time.AfterFunc(wait, func() { p.loop.post(event{kind: evResume, pool: p}) })
		}
		return false
	}
	if l := p.loop; !l.fds.fits(l.fdsOf(j, p.launcher())) {
		l.warnFDs(p)
		return false
	}
	return true
}

// cancelQueued cancels the queued jobs that match, and finishes them, their
// callbacks included: it is called by the loop (Terminate, Shutdown, a task's
// timeout), never inside Execute. The queue is taken first, so that jobs the
// callbacks execute meanwhile do not disturb the walk.
func (p *Pool) cancelQueued(match func(*Job) bool) {
	queue := p.queue
	p.queue, p.queued = nil, 0
	var cancelled []*Job
	for _, j := range queue {
		switch {
		case j == nil || j.Status != StatusPending:
			// started, or cancelled already
		case match(j):
			j.Status = StatusCancelled
			cancelled = append(cancelled, j)
		default:
			p.queue = append(p.queue, j)
			p.queued++
		}
	}
	for _, j := range cancelled {
		p.loop.finish(j, StatusCancelled)
	}
}

// idle reports whether every job of the pool has finished, but for those
// being started: their onstart is on the stack, below whoever asks.
func (p *Pool) idle() bool { return p.unfinished == len(p.starting) }

// Join runs the loop until no job of the pool is pending or running,
// including jobs executed meanwhile by callbacks. With a timeout, measured
// from the first Execute since the last Join, it then terminates the running
// jobs, cancels the pending ones, waits for them to finish and reports false.
func (p *Pool) Join(ctx context.Context, timeout time.Duration) (bool, error) {
	defer func() { p.since = time.Time{} }()
	var deadline <-chan time.Time
	if timeout > 0 && !p.idle() {
		t := time.NewTimer(time.Until(p.since.Add(timeout)))
		defer t.Stop()
		deadline = t.C
	}
	expired, err := p.loop.runUntil(ctx, p.idle, deadline)
	if err != nil || !expired {
		return err == nil, err
	}
	return false, p.Terminate(ctx)
}

// Terminate terminates the pool's running jobs, cancels its pending ones, and
// runs the loop until they have finished and their callbacks have run. Jobs
// executed meanwhile are cancelled. The pool can be used again afterwards.
func (p *Pool) Terminate(ctx context.Context) error {
	if p.terminating {
		_, err := p.loop.runUntil(ctx, p.idle, nil)
		return err
	}
	p.terminating = true
	defer func() { p.terminating = false }()
	for _, j := range p.starting {
		j.cancel = true // it does not start once its onstart returns
	}
	p.cancelQueued(func(*Job) bool { return true })
	p.loop.terminateLive(func(j *Job) bool { return j.pool == p }, false)
	_, err := p.loop.runUntil(ctx, p.idle, nil)
	return err
}
