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
//
// Where things are: loop.go, the Loop, its events and observers; pool.go, a
// Pool's queue, Join and Terminate; attempt.go, the life of a job's attempt,
// from its onstart to its end; job.go and task.go, what jobs and tasks are and
// record; output.go, where a job's output goes; launcher.go, what starts
// processes (package pool/local starts them on this machine).
package pool

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
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
	// timeout for an attempt that is restarted, or error for one whose end
	// is unknown (j.Last.Lost). Every attempt started ends.
	AttemptEnded(j *Job, st Status)
	// JobFinished: j has ended for good (j.Status) and its callbacks have run.
	JobFinished(j *Job)
}

// Loop runs the pools of one program: it owns their jobs and tasks and
// dispatches the events that drive them.
type Loop struct {
	launcher Launcher
	devnull  *os.File
	// Stdout and Stderr are where jobs' output goes when it is inherited,
	// unless Relay, if set, gives a pipe of its own.
	Stdout, Stderr *os.File
	Relay          Relay
	// Notices is where the loop says, a line at a time, why jobs wait
	// (file descriptors); nil: Stderr.
	Notices io.Writer
	// Observers hear of every job; set them before the first Execute.
	Observers []Observer
	// Resume, if set, is asked about every job executed: true means the job
	// ran to "done" in an earlier run, so it ends at once with status done
	// and Resumed set, without running, its ondone and onfinish called.
	// Resume may set j.Last and j.Restarts to what the job had then.
	Resume func(j *Job) bool

	pools []*Pool
	fds   fdBudget

	inboxMu sync.Mutex
	inbox   []event
	ready   []event // taken from inbox, dispatched in order
	wake    chan struct{}

	mu       sync.Mutex // guards live, stopping, why and hurry
	live     map[*execution]struct{}
	stopping bool   // Interrupt was called: no job starts any more
	why      string // why, for Job.Error
	hurry    bool   // and a second time: SIGKILL at once

	cpusInUse map[int]bool // the CPUs pinned jobs hold, across pools
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
		fds:      newFDBudget(launcher),
	}, nil
}

// MemoryError says why the loop's launcher cannot sample its jobs' memory,
// so that a memory limit cannot be enforced; nil if it can.
func (l *Loop) MemoryError() error {
	sampler, ok := l.launcher.(MemorySampler)
	if !ok {
		return errors.New("the launcher cannot sample its jobs' memory")
	}
	return sampler.MemoryError()
}

// Close releases the loop's files. Call it after Shutdown. The launchers
// are their maker's to close, after this.
func (l *Loop) Close() error {
	return l.devnull.Close()
}

type eventKind uint8

const (
	evEnded       eventKind = iota // an attempt's process ended and was reaped
	evFinish                       // a job ended without a process: stub, cancelled, or failed to start
	evTaskTimeout                  // a task's timeout expired
	evResume                       // a pool's startdelay is over
	evSchedule                     // a pool's memory went down: try its queue again
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
	case evSchedule:
		ev.pool.schedule()
	case evStarted:
		l.started(ev.att, ev.at)
	}
}

// finishLater has the loop finish j, which had no attempt, or whose attempt
// ended inside start, as o says.
func (l *Loop) finishLater(j *Job, o outcome) {
	if o.err != "" {
		j.Error = o.err
	}
	l.post(event{kind: evFinish, job: j, status: o.status})
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
	p.notePeak(j)
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
	l.finishLater(j, outcome{status: StatusCancelled, err: l.whyNot(j)})
}

func (l *Loop) register(a *execution) {
	l.mu.Lock()
	l.live[a] = struct{}{}
	stopping, why, hurry := l.stopping, l.why, l.hurry
	l.mu.Unlock()
	if stopping {
		a.terminate(StatusTerminated, why, hurry)
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

// stopWhy is why the loop is stopping, "" if it is not.
func (l *Loop) stopWhy() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.why
}

// terminateLive terminates the running attempts that match (status
// terminated), for the reason why.
func (l *Loop) terminateLive(match func(*execution) bool, why string, hurry bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for a := range l.live {
		if match(a) {
			a.terminate(StatusTerminated, why, hurry)
		}
	}
}

// Interrupt terminates every running job of every pool (status terminated,
// and why, as "SIGINT", is what their Job.Error says) and keeps any job from
// starting from now on. With hurry, as for a second signal, it sends SIGKILL
// at once rather than after the grace period. Only the first why stands, and
// calling it again without hurry changes nothing (Shutdown may race a signal
// handler's call). It is safe from any goroutine: a signal handler calls it,
// then makes the owner of the loop call Shutdown.
func (l *Loop) Interrupt(why string, hurry bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopping && !hurry {
		return
	}
	l.hurry = l.hurry || hurry
	if !l.stopping {
		l.why = why
	}
	l.stopping = true
	for a := range l.live {
		a.terminate(StatusTerminated, l.why, l.hurry)
	}
}

// Shutdown interrupts every job (unless Interrupt did, why is what their
// Job.Error says), cancels the pending ones, and runs the loop until all of
// them have finished and their callbacks have run. No process of theirs is
// left when it returns, unless ctx was cancelled first.
func (l *Loop) Shutdown(ctx context.Context, why string) error {
	l.Interrupt(why, false)
	why = l.stopWhy()
	for _, p := range l.pools {
		p.cancelQueued(func(*Job) bool { return true }, why)
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
