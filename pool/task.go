package pool

import (
	"errors"
	"fmt"
	"time"
)

// ErrTaskFinished is returned when a job is executed into a task that has
// already finished.
var ErrTaskFinished = errors.New("task has already finished")

// Task groups jobs and subtasks. It starts when its first member starts and
// finishes when every member added so far has finished, counted after that
// member's own callbacks have run. A job becomes a member when it is executed;
// a subtask, when its own first member is executed.
type Task struct {
	Name           string
	Timeout        time.Duration // from the task's start; 0: none
	Parent         *Task
	Stdout, Stderr Dest // defaults for members that set none

	// OnStart runs when the task starts; OnDone when it finishes with every
	// member "done"; OnFinish when it finishes, whatever the outcome.
	OnStart  func(*Task)
	OnDone   func(*Task)
	OnFinish func(*Task)

	Status   Status // pending, running, done, failed or timeout
	Tstart   time.Time
	Tstop    time.Time
	NumAdded int // members added: jobs executed and subtasks with members
	NumDone  int // members that ended "done"
	NumTerm  int // members that ended otherwise

	timedOut bool
	finished bool
	timer    *time.Timer
}

// Finished reports whether the task has finished.
func (t *Task) Finished() bool { return t.finished }

// checkOpen returns ErrTaskFinished if t or one of its ancestors has finished.
func (t *Task) checkOpen() error {
	for x := t; x != nil; x = x.Parent {
		if x.finished {
			return ErrTaskFinished
		}
	}
	return nil
}

// addMember counts one more member of t; a task that gets its first member
// becomes a member of its parent.
func (t *Task) addMember() {
	for x := t; x != nil; x = x.Parent {
		x.NumAdded++
		if x.NumAdded > 1 {
			return
		}
	}
}

// taskStarting starts t and its ancestors, outermost first, unless started.
func (l *Loop) taskStarting(t *Task) {
	if t.Status != "" && t.Status != StatusPending {
		return
	}
	if t.Parent != nil {
		l.taskStarting(t.Parent)
	}
	t.Status = StatusRunning
	t.Tstart = time.Now()
	if t.Timeout > 0 {
		t.timer = time.AfterFunc(t.Timeout, func() { l.post(event{kind: evTaskTimeout, task: t}) })
	}
	if t.OnStart != nil {
		t.OnStart(t)
	}
}

// memberFinished counts a finished member of t and finishes t when it was the
// last one.
func (l *Loop) memberFinished(t *Task, done bool) {
	if done {
		t.NumDone++
	} else {
		t.NumTerm++
	}
	if t.NumDone+t.NumTerm < t.NumAdded {
		return
	}
	t.finished = true
	if t.timer != nil {
		t.timer.Stop()
	}
	t.Tstop = time.Now()
	switch {
	case t.timedOut:
		t.Status = StatusTimeout
	case t.NumTerm == 0:
		t.Status = StatusDone
	default:
		t.Status = StatusFailed
	}
	if t.Status == StatusDone && t.OnDone != nil {
		t.OnDone(t)
	}
	if t.OnFinish != nil {
		t.OnFinish(t)
	}
	if t.Parent != nil {
		l.memberFinished(t.Parent, t.Status == StatusDone)
	}
}

// taskTimeout terminates the running members of t, subtasks included, and
// cancels its pending ones.
func (l *Loop) taskTimeout(t *Task) {
	if t.finished {
		return
	}
	t.timedOut = true
	why := fmt.Sprintf("task %q timed out", t.Name)
	for _, p := range l.pools {
		for _, j := range p.starting {
			if j.inTask(t) {
				l.cancelStarting(j, why)
			}
		}
		p.cancelQueued(func(j *Job) bool { return j.inTask(t) }, why)
	}
	l.terminateLive(func(a *execution) bool { return a.job.inTask(t) }, why, false)
}
