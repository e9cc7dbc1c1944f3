package webui

import (
	"math"
	"slices"
	"strings"
	"time"

	"expool/pool"
	"expool/records"
)

var posInf = math.Inf(1)

// knownStatuses are the statuses a job can have, in the order the view lists
// them: the finished ones in the order of the other records.
var knownStatuses = append([]pool.Status{pool.StatusPending, pool.StatusRunning}, records.StatusOrder()...)

// Snapshot is the web view's record of a run at one moment. It is never
// written once published, so that any number of readers may read it at
// once, with no lock.
type Snapshot struct {
	Version uint64    // 1 for the first, one more for each
	At      time.Time // when it was made
	Script  string
	Start   time.Time // when the run started
	Over    bool      // the run is over: this is the last snapshot
	End     time.Time // when it was over

	Executed, Finished int // jobs executed, and finished
	Resumed            int // jobs done in an earlier run

	statuses []pool.Status // by index, as jobRec.status has them
	jobs     frozen[jobRec]
	tasks    frozen[taskRec]
	pools    []poolRec
	running  []runRec             // by their attempt's start
	live     map[int32]liveMemory // the running jobs' memory, where it is sampled
	failures []int32              // finished jobs not "done", in the order they finished
	byStatus map[pool.Status]int
	bars     barLog      // the latest ended attempts
	changes  []changeSet // the last changesKept, this one's last
	cache    *snapCache  // what the event streams send of it, made once
}

// jobRec is what the view keeps of a job: 64 bytes, by value in a chunk.
// What few jobs have is in more.
type jobRec struct {
	name     string
	more     *jobMore
	tstart   int64 // its last attempt's start, ns since the epoch; 0: none
	tstop    int64 // and end; 0: none yet
	pid      int32
	rc       int32 // returncode, if flagRC
	restarts int32
	task     int32   // its task's index + 1; 0: none
	timeout  float32 // seconds; 0: none
	pool     uint16
	status   uint8 // in Snapshot.statuses
	flags    uint8
}

const (
	flagRC      = 1 << iota // rc is the returncode of its last attempt
	flagResumed             // done in an earlier run
	flagStub                // a job without a process
)

// jobMore is what few jobs have: an error, a last attempt that exited (its
// rusage), earlier attempts, captured output. Never written once a snapshot
// holds it (gen below the builder's).
type jobMore struct {
	gen       uint64
	err       string
	rusage    pool.Rusage
	hasRusage bool
	attempts  []attemptRec // the attempts before the last, in order; append only
	// The last lines of what a job that did not end "done" captured.
	outTail, errTail string
	peakmem          int64  // of its last attempt, once ended (bytes); 0: none
	cpus             string // its last attempt's, as EXPOOL_CPUS: "0,4"; "": not pinned
}

// attemptRec is an attempt before a job's last.
type attemptRec struct {
	tstart, tstop int64
	pid, rc       int32
	hasRC         bool
	hasRusage     bool
	status        pool.Status
	rusage        pool.Rusage
	peakmem       int64
}

// taskRec is what the view keeps of a task.
type taskRec struct {
	name                       string
	tstart, tstop              int64
	parent                     int32 // its parent's index + 1; 0: none
	numadded, numdone, numterm int32
	timeout                    float32
	status                     uint8
}

// poolRec is what the view keeps of a pool.
type poolRec struct {
	name                        string
	workers                     int
	executed, finished, running int
	sampled                     bool  // its jobs' memory is sampled
	memlimit                    int64 // bytes; 0: none
	memory                      int64 // its running jobs', as last sampled, when the snapshot was made
}

// liveMemory is a running job's memory when the snapshot was made: its
// last sample and its peak (bytes).
type liveMemory struct{ last, peak int64 }

// memory returns the last sample and the peak of the job at id (bytes):
// live while it runs, its last attempt's once ended; ok is false if its
// memory is not sampled (then peak may still be its last attempt's).
func (s *Snapshot) memory(id int32) (last, peak int64, live bool) {
	if m, ok := s.live[id]; ok {
		return m.last, m.peak, true
	}
	if r := s.jobs.at(int(id)); r.more != nil {
		return 0, r.more.peakmem, false
	}
	return 0, 0, false
}

// runRec is a running job.
type runRec struct {
	job  int32
	lane int // its worker slot in the timeline
}

// changeSet is what changed in a snapshot since the one before.
type changeSet struct {
	version  uint64
	jobs     []int32
	tasks    []int32
	overflow bool // too many: not kept
}

func (s *Snapshot) status(r *jobRec) pool.Status { return s.statuses[r.status] }

// taskName is the name of the task at index+1 id, "" for none.
func (s *Snapshot) taskName(id int32) string {
	if id == 0 {
		return ""
	}
	return s.tasks.at(int(id - 1)).name
}

// Running is the number of jobs whose attempt is running.
func (s *Snapshot) Running() int { return len(s.running) }

// Pending is the number of jobs executed and waiting to start (or between
// attempts).
func (s *Snapshot) Pending() int { return max(s.Executed-s.Finished-len(s.running), 0) }

// Elapsed is the time since the run started, at now (or when it was over).
func (s *Snapshot) Elapsed(now time.Time) time.Duration {
	if s.Over {
		now = s.End
	}
	return now.Sub(s.Start)
}

// Counts are the counts of the progress line, at now.
func (s *Snapshot) Counts(now time.Time) records.Counts {
	c := records.Counts{Executed: s.Executed, Finished: s.Finished, Running: len(s.running),
		Pending: s.Pending(), ByStatus: s.byStatus, Elapsed: s.Elapsed(now)}
	return c
}

// filter selects jobs: by status (any of several), task (its own or an
// enclosing one, by name) and name (a substring, or a glob when it has *, ?
// or [).
type filter struct {
	statuses []pool.Status
	task     string
	name     string
	glob     glob
}

func (f *filter) any() bool { return len(f.statuses) > 0 || f.task != "" || f.name != "" }

// matcher is a filter made ready for one snapshot.
type matcher struct {
	f        *filter
	statuses [256]bool
	tasks    []bool // by task index: the task or an enclosing one has the name
}

func (s *Snapshot) matcher(f *filter) *matcher {
	m := &matcher{f: f}
	for _, st := range f.statuses {
		if i := slices.Index(s.statuses, st); i >= 0 {
			m.statuses[i] = true
		}
	}
	if f.task != "" {
		m.tasks = make([]bool, s.tasks.len())
		for i := range m.tasks {
			t := s.tasks.at(i)
			// A parent is made before its subtasks: its index is lower.
			m.tasks[i] = t.name == f.task || t.parent != 0 && m.tasks[t.parent-1]
		}
	}
	return m
}

func (m *matcher) match(r *jobRec) bool {
	f := m.f
	switch {
	case len(f.statuses) > 0 && !m.statuses[r.status]:
		return false
	case f.task != "" && (r.task == 0 || !m.tasks[r.task-1]):
		return false
	case f.glob != nil:
		return f.glob.match(r.name)
	case f.name != "":
		return strings.Contains(r.name, f.name)
	}
	return true
}

// jobs returns the total number of jobs that match f, and the indexes of
// those from offset on, at most limit, in the order they were executed.
func (s *Snapshot) jobsMatching(f *filter, offset, limit int) (total int, ids []int32) {
	n := s.jobs.len()
	if !f.any() {
		for i := offset; i < n && len(ids) < limit; i++ {
			ids = append(ids, int32(i))
		}
		return n, ids
	}
	m := s.matcher(f)
	for i := 0; i < n; i++ {
		if m.match(s.jobs.at(i)) {
			if total >= offset && len(ids) < limit {
				ids = append(ids, int32(i))
			}
			total++
		}
	}
	return total, ids
}

// selected returns those of ids whose jobs match f, at most limit, and how
// many match in all; the last of ids first if latestFirst.
func (s *Snapshot) selected(ids []int32, f *filter, limit int, latestFirst bool) (total int, out []int32) {
	m := s.matcher(f)
	for i := range ids {
		id := ids[i]
		if latestFirst {
			id = ids[len(ids)-1-i]
		}
		if m.match(s.jobs.at(int(id))) {
			if len(out) < limit {
				out = append(out, id)
			}
			total++
		}
	}
	return total, out
}

// jobNamed returns the index of the job named name, the one executed last
// if several are.
func (s *Snapshot) jobNamed(name string) (int32, bool) {
	for i := s.jobs.len() - 1; i >= 0; i-- {
		if s.jobs.at(i).name == name {
			return int32(i), true
		}
	}
	return 0, false
}

// runningIDs are the running jobs, by their attempt's start.
func (s *Snapshot) runningIDs() []int32 {
	ids := make([]int32, len(s.running))
	for i, r := range s.running {
		ids[i] = r.job
	}
	return ids
}

// changesSince returns the jobs and tasks that changed after version v,
// each once, or false if this snapshot no longer knows (v is too old).
func (s *Snapshot) changesSince(v uint64) (jobs, tasks []int32, ok bool) {
	if v >= s.Version {
		return nil, nil, v == s.Version
	}
	if len(s.changes) == 0 || s.changes[0].version > v+1 {
		return nil, nil, false
	}
	since := s.changes[len(s.changes)-int(s.Version-v):]
	for _, c := range since {
		if c.overflow {
			return nil, nil, false
		}
	}
	if len(since) == 1 {
		return since[0].jobs, since[0].tasks, true
	}
	for _, c := range since {
		jobs = append(jobs, c.jobs...)
		tasks = append(tasks, c.tasks...)
	}
	slices.Sort(jobs)
	slices.Sort(tasks)
	return slices.Compact(jobs), slices.Compact(tasks), true
}

// Timeline is the live timeline at now: the latest ended attempts and the
// running ones, up to now.
func (s *Snapshot) Timeline(now time.Time) *records.Timeline {
	if s.Over {
		now = s.End
	}
	bars, before := s.bars.latest(barsDrawn)
	tl := &records.Timeline{
		Title:   "expool: " + s.Script,
		Start:   s.Start,
		End:     now,
		Bars:    make([]records.Bar, 0, len(bars)+len(s.running)),
		Jobs:    s.byStatus,
		Omitted: before,
		Resumed: s.Resumed,
	}
	for _, b := range bars {
		r := s.jobs.at(int(b.job))
		bar := records.Bar{Pool: s.pools[r.pool].name, Lane: int(b.lane), Name: r.name, Attempt: int(b.attempt), Status: s.statuses[b.status]}
		earlier := 0
		if r.more != nil {
			earlier = len(r.more.attempts)
		}
		switch k := int(b.attempt) - 1; {
		case k < earlier:
			a := &r.more.attempts[k]
			bar.Start, bar.Stop, bar.ReturnCode = time.Unix(0, a.tstart), time.Unix(0, a.tstop), int(a.rc)
		case k == earlier && r.tstop != 0:
			bar.Start, bar.Stop, bar.ReturnCode, bar.Stub = time.Unix(0, r.tstart), time.Unix(0, r.tstop), int(r.rc), r.flags&flagStub != 0
		default:
			continue // not in the records (cannot happen)
		}
		tl.Bars = append(tl.Bars, bar)
	}
	for _, run := range s.running {
		r := s.jobs.at(int(run.job))
		tl.Bars = append(tl.Bars, records.Bar{Pool: s.pools[r.pool].name, Lane: run.lane, Name: r.name,
			Attempt: int(r.restarts) + 1, Start: time.Unix(0, r.tstart), Stop: now, Status: pool.StatusRunning,
			Stub: r.flags&flagStub != 0})
	}
	if len(tl.Bars) > 0 && before > 0 {
		tl.Start = tl.Bars[0].Start
		for _, b := range tl.Bars {
			tl.Start = minTime(tl.Start, b.Start)
		}
	}
	for _, b := range tl.Bars {
		if b.Stop.After(tl.End) {
			tl.End = b.Stop
		}
	}
	return tl
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
