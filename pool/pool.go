package pool

import (
	"context"
	"errors"
	"fmt"
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

	// MemSample is how often the memory of each running job is sampled, if
	// the launcher can (MemorySampler); 0: never.
	MemSample time.Duration
	// MemLimit bounds the memory of the pool's running jobs together
	// (bytes); 0: none. See mayStart and enforce.
	MemLimit int64
	// Affinity pins each running job to this many CPUs of its own (the
	// launcher's CPUGroups); Workers is capped at the number of groups. 0:
	// no pinning.
	Affinity int
	// LauncherArgs are arguments for the launcher itself (srun's options)
	// given to each of the pool's jobs, before the job's own.
	LauncherArgs []string
}

// Defaults of Config.
const (
	DefaultKillGrace = time.Second
	DefaultPipeLimit = 16 << 20
	DefaultMemSample = 100 * time.Millisecond
)

// Pool runs at most Workers jobs at once, in the order they were executed.
type Pool struct {
	Config
	// Failures are the pool's finished jobs whose status is not "done".
	Failures []*Job

	loop        *Loop
	queue       []*Job     // executed jobs waiting for a worker, and cancelled ones to skip
	requeued    []*Job     // jobs requeued for memory, ahead of queue, the last first
	queued      int        // pending jobs in queue and requeued
	busy        int        // worker slots taken
	running     int        // jobs whose status is running, synchronous ones included
	unfinished  int        // executed jobs that have not finished
	starting    []*Job     // jobs whose onstart (or their task's) is running, innermost last
	terminating bool       // Terminate, or Join after its timeout, is under way
	stopWhy     string     // why it is terminating, for Job.Error
	holdUntil   time.Time  // startdelay: no start before
	heldBy      *execution // startdelay: no start until this queued attempt's command starts
	holdArmed   bool
	since       time.Time // first Execute since the last Join
	sampled     bool      // its launcher samples its jobs' memory (MemSample)

	mem    poolMemory                   // the running jobs' memory, as sampled
	peaks  map[string]map[float64]int64 // category -> size -> the largest peak of its finished jobs
	groups [][]int                      // the CPU groups its jobs are pinned to (Affinity)
	walls  map[string]*walls            // category -> the walls its jobs hit (see chain)
}

// NewPool returns a new pool run by l. It is an error to ask for a memory
// limit that the launcher cannot enforce, or for more CPUs per job than
// expool may use.
func (l *Loop) NewPool(c Config) (*Pool, error) {
	if c.Workers < 1 {
		c.Workers = 1
	}
	p := &Pool{Config: c, loop: l}
	p.sampled = p.samplesMemory() == nil
	if c.MemLimit > 0 {
		if err := p.samplesMemory(); err != nil {
			return nil, fmt.Errorf("memlimit: %w", err)
		}
	}
	_, scheduler := p.launcher().(ResourceScheduler)
	if c.Affinity > 0 && !scheduler {
		pinner, ok := p.launcher().(CPUPinner)
		if !ok {
			return nil, fmt.Errorf("affinity: the launcher cannot pin jobs to CPUs")
		}
		groups, err := pinner.CPUGroups(c.Affinity)
		if err != nil {
			return nil, fmt.Errorf("affinity %d: %w", c.Affinity, err)
		}
		p.groups = groups
		p.Workers = min(p.Workers, max(len(groups), 1))
	}
	l.pools = append(l.pools, p)
	return p, nil
}

// samplesMemory says why the pool's jobs' memory is not sampled, if it is
// not.
func (p *Pool) samplesMemory() error {
	if p.MemSample <= 0 {
		return errors.New("memory is not sampled (memsample is 0)")
	}
	sampler, ok := p.launcher().(MemorySampler)
	if _, scheduler := p.launcher().(ResourceScheduler); !ok && scheduler {
		return errors.New("the scheduler's jobs' memory is not sampled from here: give each job a memlimit, which the scheduler enforces")
	}
	if !ok {
		return errors.New("the launcher cannot sample its jobs' memory")
	}
	return sampler.MemoryError()
}

// launcher is what starts the pool's processes.
func (p *Pool) launcher() Launcher {
	if p.Launcher != nil {
		return p.Launcher
	}
	return p.loop.launcher
}

// SamplesMemory reports whether the pool's launcher samples its jobs'
// memory (Config.MemSample): whether Memory and Attempt.Memory say anything.
// It is safe to call from any goroutine.
func (p *Pool) SamplesMemory() bool { return p.sampled }

// Running is the number of the pool's jobs whose process is running.
func (p *Pool) Running() int { return p.running }

// Pending is the number of the pool's jobs waiting for a worker.
func (p *Pool) Pending() int { return p.queued }

// Memory is the memory of the pool's running jobs, as last sampled (bytes).
// It is safe to call from any goroutine.
func (p *Pool) Memory() int64 {
	p.mem.mu.Lock()
	defer p.mem.mu.Unlock()
	return p.mem.total
}

// Execute queues j: it starts as soon as a worker is free, at once if one is.
// j is cancelled at once if the pool is terminating, expool is stopping, or
// its task's timeout has expired. A memory limit that the pool cannot
// enforce is an error.
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
	if _, scheduler := p.launcher().(ResourceScheduler); j.MemLimit() > 0 && !scheduler {
		if err := p.samplesMemory(); err != nil {
			return false, fmt.Errorf("job %q: memlimit: %w", j.Name, err)
		}
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

// schedule starts queued jobs, first come first served (a job requeued for
// memory first), while the first one may start (mayStart). It may be
// re-entered, by a callback of a job it starts: each round reads the pool
// afresh, and the depth is bounded by the free workers.
func (p *Pool) schedule() {
	for p.queued > 0 {
		j := p.head()
		if !p.mayStart(j) {
			return
		}
		p.pop()
		p.queued--
		p.busy++
		j.slot = true
		p.loop.start(j)
	}
	if p.queued == 0 {
		p.queue = nil // only cancelled jobs are left in it
	}
}

// head is the first pending job of the queue: the last requeued one, else the
// first executed; cancelled ones are dropped on the way. The queue holds one.
func (p *Pool) head() *Job {
	for {
		if n := len(p.requeued); n > 0 {
			if j := p.requeued[n-1]; j.Status == StatusPending {
				return j
			}
			p.requeued = p.requeued[:n-1]
			continue
		}
		if j := p.queue[0]; j.Status == StatusPending {
			return j
		}
		p.queue[0] = nil
		p.queue = p.queue[1:]
	}
}

// pop takes head's job off the queue.
func (p *Pool) pop() {
	if n := len(p.requeued); n > 0 {
		p.requeued[n-1] = nil
		p.requeued = p.requeued[:n-1]
		return
	}
	p.queue[0] = nil
	p.queue = p.queue[1:]
}

// mayStart reports whether j, the first of the queue, may start now. Every
// constraint on starting a job is here:
//
//   - a worker is free;
//   - no startdelay holds (one that does has the pool scheduled again when it
//     is over, or when the queued attempt that holds it starts);
//   - with a memory limit, the job's expected memory fits beside what the
//     running jobs use or are expected to use, unless none runs (see
//     memoryFits; the next sample has the pool scheduled again);
//   - with affinity, a group of CPUs is free for it;
//   - the loop has the file descriptors that j holds while it runs (else it
//     says once why jobs wait, and the end of another job has the pool
//     scheduled again).
func (p *Pool) mayStart(j *Job) bool {
	switch {
	case p.busy >= p.Workers || p.heldBy != nil:
		return false
	case p.MemLimit > 0 && !p.memoryFits(j):
		return false
	case p.groups != nil && j.pinned() && p.freeGroup() == nil:
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

// requeue puts j, whose attempt the pool ended to keep under its memory
// limit, back at the head of the queue: it is pending again, and starts
// again (its onstart first) once admitted.
func (p *Pool) requeue(j *Job) {
	j.Restarts++
	j.More().requeues++
	j.Status = StatusPending
	p.running--
	j.slot = false
	p.busy--
	p.requeued = append(p.requeued, j)
	p.queued++
	p.schedule()
}

// cancelQueued cancels the queued jobs that match, for the reason why (what
// Job.Error then says), and finishes them, their callbacks included: it is
// called by the loop (Terminate, Shutdown, a task's timeout, a chain), never
// inside Execute. The queue is taken first, so that jobs the callbacks
// execute meanwhile do not disturb the walk.
func (p *Pool) cancelQueued(match func(*Job) bool, why string) {
	queue, requeued := p.queue, p.requeued
	p.queue, p.requeued, p.queued = nil, nil, 0
	var cancelled []*Job
	keep := func(j *Job) bool {
		switch {
		case j == nil || j.Status != StatusPending:
			return false // started, or cancelled already
		case match(j):
			j.Status = StatusCancelled
			j.Error = why
			cancelled = append(cancelled, j)
			return false
		}
		p.queued++
		return true
	}
	for _, j := range requeued {
		if keep(j) {
			p.requeued = append(p.requeued, j)
		}
	}
	for _, j := range queue {
		if keep(j) {
			p.queue = append(p.queue, j)
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
	return false, p.Terminate(ctx, "pool join timed out")
}

// Terminate terminates the pool's running jobs, cancels its pending ones, and
// runs the loop until they have finished and their callbacks have run. Jobs
// executed meanwhile are cancelled. why is what their Job.Error says (as
// "pool:terminate()"). The pool can be used again afterwards.
func (p *Pool) Terminate(ctx context.Context, why string) error {
	if p.terminating {
		_, err := p.loop.runUntil(ctx, p.idle, nil)
		return err
	}
	p.terminating, p.stopWhy = true, why
	defer func() { p.terminating, p.stopWhy = false, "" }()
	for _, j := range p.starting {
		p.loop.cancelStarting(j, why)
	}
	p.cancelQueued(func(*Job) bool { return true }, why)
	p.loop.terminateLive(func(a *execution) bool { return a.job.pool == p }, why, false)
	_, err := p.loop.runUntil(ctx, p.idle, nil)
	return err
}
