package records

import (
	"slices"
	"sort"
	"sync"
	"time"

	"expool/pool"
)

// Tally counts a run's jobs, for the progress line and the summary, and
// keeps its attempts, one lane of its pool each, for the timeline. It is a
// pool.Observer; its readers may be on other goroutines.
type Tally struct {
	Start time.Time

	mu       sync.Mutex
	executed int
	finished int
	running  int
	byStatus map[pool.Status]int
	failures []Failure               // the first failuresShown
	failed   int                     // failures in all
	requeued int                     // attempts requeued for memory
	slowest  []Slow                  // the slowest jobs, slowest first
	started  map[*pool.Job]time.Time // the first attempt's start of each job running

	keep     bool // the attempts, for a timeline
	attempts []Bar
	lanes    Lanes
	unrun    []Unrun // the first unrunListed jobs that never ran
	unrunAll int     // and how many in all
	resumed  int     // jobs resumed from a job log
}

// Unrun is a job that never ran: it could not start (error), or was
// cancelled.
type Unrun struct {
	Name, Pool, Task, Status, Error string
}

// unrunListed bounds the jobs that never ran the timeline lists.
const unrunListed = 1000

// Failure is a job that did not end "done".
type Failure struct {
	Name, Status, Error string
	ReturnCode          *int
}

// Slow is one of the slowest jobs: from its first attempt's start to its last
// attempt's end, restarts included, as what a job cost the run is all its
// attempts (a job that times out and restarts three times is slow).
type Slow struct {
	Name     string
	Duration time.Duration
	Attempts int
}

// Bar is an attempt as the timeline draws it.
type Bar struct {
	Pool        string
	Lane        int // the worker slot it ran in, among its pool's
	Name        string
	Attempt     int
	Start, Stop time.Time
	Status      pool.Status
	ReturnCode  int
	Stub        bool
}

const slowestKept = 5

// EndedBar is the bar of j's last attempt, which ended with status st, drawn
// in lane.
func EndedBar(j *pool.Job, lane int, st pool.Status) Bar {
	a := j.Last
	return Bar{Pool: j.Pool().Name, Lane: lane, Name: j.Name, Attempt: j.Restarts + 1,
		Start: a.Start, Stop: a.Stop, Status: st, ReturnCode: a.ReturnCode, Stub: a.PID == 0}
}

// Lanes are the worker slots of a timeline's rows: an attempt takes the
// lowest lane of its pool free when it starts, and frees it when it ends. Its
// methods are called on the loop's goroutine, from an Observer's.
type Lanes struct {
	inUse map[*pool.Pool][]bool
	of    map[*pool.Job]int // the lane of each job whose attempt runs
}

// Start gives j's new attempt a lane and returns it.
func (l *Lanes) Start(j *pool.Job) int {
	if l.inUse == nil {
		l.inUse, l.of = map[*pool.Pool][]bool{}, map[*pool.Job]int{}
	}
	lanes := l.inUse[j.Pool()]
	lane := 0
	for lane < len(lanes) && lanes[lane] {
		lane++
	}
	if lane == len(lanes) {
		lanes = append(lanes, false)
	}
	lanes[lane] = true
	l.inUse[j.Pool()] = lanes
	l.of[j] = lane
	return lane
}

// End frees the lane of j's attempt, which has ended, and returns it.
func (l *Lanes) End(j *pool.Job) int {
	lane, ok := l.of[j]
	if !ok {
		return 0
	}
	delete(l.of, j)
	l.inUse[j.Pool()][lane] = false
	return lane
}

// NewTally returns a tally of a run starting now; with timeline, it keeps every
// attempt.
func NewTally(timeline bool) *Tally {
	return &Tally{Start: time.Now(), byStatus: map[pool.Status]int{}, keep: timeline,
		started: map[*pool.Job]time.Time{}}
}

func (t *Tally) JobExecuted(*pool.Job) {
	t.mu.Lock()
	t.executed++
	t.mu.Unlock()
}

func (t *Tally) AttemptStarted(j *pool.Job) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.running++
	if _, ok := t.started[j]; !ok {
		t.started[j] = j.Last.Start
	}
	if t.keep {
		t.lanes.Start(j)
	}
}

func (t *Tally) AttemptEnded(j *pool.Job, st pool.Status) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.running--
	if st == pool.StatusRequeued {
		t.requeued++
	}
	if t.keep {
		t.attempts = append(t.attempts, EndedBar(j, t.lanes.End(j), st))
	}
}

func (t *Tally) JobFinished(j *pool.Job) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.finished++
	t.byStatus[j.Status]++
	if t.keep {
		t.noteUnrun(j)
	}
	if start, ok := t.started[j]; ok {
		delete(t.started, j)
		if j.Last != nil && j.Last.Ended() {
			t.noteSlow(Slow{j.Name, j.Last.Stop.Sub(start), j.Restarts + 1})
		}
	}
	if j.Status != pool.StatusDone {
		t.failed++
		if len(t.failures) < failuresShown {
			f := Failure{Name: j.Name, Status: string(j.Status), Error: j.Error}
			if code, ok := j.ReturnCode(); ok {
				f.ReturnCode = &code
			}
			t.failures = append(t.failures, f)
		}
	}
}

// noteUnrun keeps a job that never ran, and counts those resumed.
func (t *Tally) noteUnrun(j *pool.Job) {
	if j.Resumed {
		t.resumed++
		return
	}
	if j.Status != pool.StatusError && j.Status != pool.StatusCancelled {
		return
	}
	t.unrunAll++
	if len(t.unrun) < unrunListed {
		u := Unrun{Name: j.Name, Pool: j.Pool().Name, Task: "-", Status: string(j.Status), Error: j.Error}
		if j.Task != nil {
			u.Task = j.Task.Name
		}
		t.unrun = append(t.unrun, u)
	}
}

// noteSlow keeps a job among the slowest if it is one.
func (t *Tally) noteSlow(s Slow) {
	i := sort.Search(len(t.slowest), func(i int) bool { return t.slowest[i].Duration < s.Duration })
	if i >= slowestKept {
		return
	}
	t.slowest = append(t.slowest[:i], append([]Slow{s}, t.slowest[i:]...)...)
	if len(t.slowest) > slowestKept {
		t.slowest = t.slowest[:slowestKept]
	}
}

// Counts is a moment of the tally.
type Counts struct {
	Executed, Finished, Running, Pending int
	ByStatus                             map[pool.Status]int
	Requeued                             int // attempts requeued for memory
	Elapsed                              time.Duration
}

// Counts reads the tally now.
func (t *Tally) Counts() Counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := Counts{Executed: t.executed, Finished: t.finished, Running: t.running, Requeued: t.requeued,
		ByStatus: make(map[pool.Status]int, len(t.byStatus)), Elapsed: time.Since(t.Start)}
	c.Pending = max(t.executed-t.finished-t.running, 0)
	for st, n := range t.byStatus {
		c.ByStatus[st] = n
	}
	return c
}

// StatusOrder is the order in which records list the statuses of finished
// jobs.
func StatusOrder() []pool.Status { return slices.Clone(statusOrder) }

// statusOrder is the order in which records list statuses.
var statusOrder = []pool.Status{pool.StatusDone, pool.StatusFailed, pool.StatusTimeout,
	pool.StatusMemory, pool.StatusTerminated, pool.StatusCancelled, pool.StatusError}
