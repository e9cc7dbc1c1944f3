package webui

import (
	"sort"
	"time"

	"expool/pool"
	"expool/records"
)

// runState is what the builder keeps of a running job.
type runState struct {
	lane    int           // in the timeline
	att     *pool.Attempt // its attempt, whose samples a snapshot reads
	sampled bool          // its pool samples memory
}

// builder keeps the records the snapshots are made of. Only the loop's
// goroutine writes it (under View.mu), and the publisher reads it (under
// View.mu) to make a snapshot.
type builder struct {
	gen   uint64 // the generation being written: snapshots hold the earlier ones
	dirty bool   // changes since the last snapshot

	statuses []pool.Status
	statusOf map[pool.Status]uint8

	jobs  chunks[jobRec]
	ids   map[*pool.Job]int32 // the unfinished jobs' records
	tasks chunks[taskRec]
	tids  map[*pool.Task]int32
	pools []poolRec
	pids  map[*pool.Pool]uint16
	pptrs []*pool.Pool // by id: whose memory a snapshot reads

	running    map[int32]runState    // the jobs whose attempt runs
	lanes      records.Lanes         // for the timeline
	lastStatus map[int32]pool.Status // how the last attempt of an unfinished job ended
	bars       barLog                // the latest ended attempts
	failures   []int32               // finished jobs not "done", in the order they finished; append only
	byStatus   map[pool.Status]int   // finished jobs
	executedN  int
	finishedN  int
	resumed    int
	changedJob []int32  // since the last snapshot, in the order of their first change, at most maxChanged
	jobMarked  []uint64 // a bit per job: changed since the last snapshot
	changedTsk []int32
	tskMarked  map[int32]bool
	overflow   bool // more than maxChanged jobs or tasks changed: their lists are incomplete
}

func (b *builder) init() {
	b.gen = 1
	b.statusOf = map[pool.Status]uint8{}
	for _, st := range knownStatuses {
		b.status(st)
	}
	b.tids = map[*pool.Task]int32{}
	b.pids = map[*pool.Pool]uint16{}
	b.running = map[int32]runState{}
	b.lastStatus = map[int32]pool.Status{}
	b.ids = map[*pool.Job]int32{}
	b.byStatus = map[pool.Status]int{}
	b.tskMarked = map[int32]bool{}
}

// status is st's index in the table of statuses, added if new.
func (b *builder) status(st pool.Status) uint8 {
	if st == "" {
		st = pool.StatusPending
	}
	i, ok := b.statusOf[st]
	if !ok && len(b.statuses) < 255 {
		i = uint8(len(b.statuses))
		b.statuses = append(b.statuses, st)
		b.statusOf[st] = i
	}
	return i
}

func (b *builder) markJob(id int32) {
	w := int(id) / 64
	for len(b.jobMarked) <= w {
		b.jobMarked = append(b.jobMarked, 0)
	}
	if bit := uint64(1) << (uint(id) % 64); b.jobMarked[w]&bit == 0 {
		b.jobMarked[w] |= bit
		if len(b.changedJob) < maxChanged {
			b.changedJob = append(b.changedJob, id)
		} else {
			b.overflow = true
		}
	}
}

func (b *builder) markTask(id int32) {
	if !b.tskMarked[id] {
		if len(b.tskMarked) < maxChanged {
			b.tskMarked[id] = true
			b.changedTsk = append(b.changedTsk, id)
		} else {
			b.overflow = true
		}
	}
}

func (b *builder) poolID(p *pool.Pool) uint16 {
	if id, ok := b.pids[p]; ok {
		return id
	}
	id := uint16(min(len(b.pools), 1<<16-1))
	if int(id) == len(b.pools) {
		b.pools = append(b.pools, poolRec{name: p.Name, workers: p.Workers, sampled: p.SamplesMemory(), memlimit: p.MemLimit})
		b.pptrs = append(b.pptrs, p)
	}
	b.pids[p] = id
	return id
}

// taskID is t's index, +1; its record (and its parents') is made if new,
// and brought up to date.
func (b *builder) taskID(t *pool.Task) int32 {
	if t == nil {
		return 0
	}
	id, ok := b.tids[t]
	if !ok {
		parent := b.taskID(t.Parent)
		id = int32(b.tasks.add(taskRec{name: t.Name, parent: parent, timeout: seconds(t.Timeout)}, b.gen))
		b.tids[t] = id
		b.markTask(id)
	}
	b.syncTask(id, t)
	return id + 1
}

// syncTask brings the record of t, at id, up to date.
func (b *builder) syncTask(id int32, t *pool.Task) {
	want := *b.tasks.get(int(id))
	want.status = b.status(t.Status)
	want.tstart, want.tstop = unixNano(t.Tstart), unixNano(t.Tstop)
	want.numadded, want.numdone, want.numterm = int32(t.NumAdded), int32(t.NumDone), int32(t.NumTerm)
	if want != *b.tasks.get(int(id)) {
		*b.tasks.set(int(id), b.gen) = want
		b.markTask(id)
	}
}

// syncTasks brings j's task chain up to date.
func (b *builder) syncTasks(j *pool.Job) {
	for t := j.Task; t != nil; t = t.Parent {
		if id, ok := b.tids[t]; ok {
			b.syncTask(id, t)
		} else {
			b.taskID(t)
		}
	}
}

// id is the index of j's record, which an unfinished job has.
func (b *builder) id(j *pool.Job) (int32, bool) {
	id, ok := b.ids[j]
	return id, ok
}

func (b *builder) executed(j *pool.Job) {
	r := jobRec{name: j.Name, pool: b.poolID(j.Pool()), task: b.taskID(j.Task), timeout: seconds(j.Timeout)}
	if len(j.Args) == 0 {
		r.flags |= flagStub
	}
	id := int32(b.jobs.add(r, b.gen))
	b.ids[j] = id
	b.executedN++
	b.pools[r.pool].executed++
	b.sync(id, j)
}

func (b *builder) attemptStarted(j *pool.Job) {
	id, ok := b.id(j)
	if !ok {
		return
	}
	if r := b.jobs.get(int(id)); r.tstart != 0 {
		// The attempt before, kept with how it ended.
		a := attemptOf(r, b.lastStatus[id])
		m := b.more(id)
		m.attempts = append(m.attempts, a)
	}
	delete(b.lastStatus, id)
	b.running[id] = runState{lane: b.lanes.Start(j), att: j.Last, sampled: j.Pool().SamplesMemory()}
	b.pools[b.jobs.get(int(id)).pool].running++
	b.sync(id, j)
	b.syncTasks(j)
}

func (b *builder) attemptEnded(j *pool.Job, st pool.Status) {
	id, ok := b.id(j)
	if !ok {
		return
	}
	if _, ok := b.running[id]; ok {
		delete(b.running, id)
		b.pools[b.jobs.get(int(id)).pool].running--
	}
	switch st {
	case pool.StatusDone, pool.StatusTerminated, pool.StatusError:
		// The job ends with it: it never runs again.
	default:
		b.lastStatus[id] = st
	}
	attempt := 1
	if m := b.jobs.get(int(id)).more; m != nil {
		attempt += len(m.attempts)
	}
	b.bars.add(barRec{job: id, attempt: int32(attempt), lane: uint16(min(b.lanes.End(j), 1<<16-1)), status: b.status(st)})
	b.sync(id, j)
	b.syncTasks(j)
}

func (b *builder) finished(j *pool.Job) {
	id, ok := b.id(j)
	if !ok {
		return
	}
	b.sync(id, j)
	r := b.jobs.get(int(id))
	if j.Status != pool.StatusDone {
		b.failures = append(b.failures, id)
		if a := j.Last; a != nil && (len(a.Output) > 0 || len(a.ErrOutput) > 0) {
			m := b.more(id)
			m.outTail, m.errTail = lastLines(a.Output), lastLines(a.ErrOutput)
		}
	}
	if j.Resumed {
		b.resumed++
	}
	b.byStatus[j.Status]++
	b.finishedN++
	b.pools[r.pool].finished++
	delete(b.ids, j)
	delete(b.lastStatus, id)
	if len(b.ids) == 0 {
		// Maps do not shrink: the next jobs get new ones.
		b.ids, b.lastStatus = map[*pool.Job]int32{}, map[int32]pool.Status{}
	}
	b.syncTasks(j)
}

// sync brings the record of j, at id, up to date.
func (b *builder) sync(id int32, j *pool.Job) {
	old := b.jobs.get(int(id))
	r := *old
	r.status = b.status(j.Status)
	r.restarts = int32(min(j.Restarts, 1<<31-1))
	r.flags &^= flagRC | flagResumed
	if j.Resumed {
		r.flags |= flagResumed
	}
	r.tstart, r.tstop, r.pid, r.rc = 0, 0, 0, 0
	var use pool.Rusage
	hasUse := false
	var peak int64
	var cpus string
	if a := j.Last; a != nil {
		r.tstart, r.tstop, r.pid = unixNano(a.Start), unixNano(a.Stop), int32(a.PID)
		if code, ok := j.ReturnCode(); ok {
			r.rc = int32(code)
			r.flags |= flagRC
		}
		// As Lua's job.rusage: a stub has none; a resumed job, the one it had.
		if a.Exited() && (a.PID != 0 || j.Resumed && len(j.Args) > 0) {
			use, hasUse = a.Rusage, true
		}
		if a.Ended() { // while it runs, a snapshot reads its samples
			_, peak, _ = a.Memory()
		}
		if a.CPUs != nil {
			cpus = pool.CPUList(a.CPUs)
		}
	}
	if m := r.more; m == nil && (hasUse || j.Error != "" || peak != 0 || cpus != "") ||
		m != nil && (m.hasRusage != hasUse || m.rusage != use || m.err != j.Error || m.peakmem != peak || m.cpus != cpus) {
		r.more = b.writable(m)
		r.more.rusage, r.more.hasRusage, r.more.err = use, hasUse, j.Error
		r.more.peakmem, r.more.cpus = peak, cpus
	}
	if r != *old {
		*b.jobs.set(int(id), b.gen) = r
	}
	b.markJob(id)
}

// more returns the extra record of the job at id, for writing.
func (b *builder) more(id int32) *jobMore {
	r := b.jobs.set(int(id), b.gen)
	r.more = b.writable(r.more)
	b.markJob(id)
	return r.more
}

// writable returns m, or a copy of it if a snapshot may hold it, or a new
// one if nil.
func (b *builder) writable(m *jobMore) *jobMore {
	if m != nil && m.gen == b.gen {
		return m
	}
	w := &jobMore{}
	if m != nil {
		*w = *m
	}
	w.gen = b.gen
	return w
}

// snapshot makes the snapshot of the records as they are, the one after
// prev, and starts a new generation. View.mu is held.
func (b *builder) snapshot(prev *Snapshot) *Snapshot {
	s := &Snapshot{
		At:       time.Now(),
		cache:    &snapCache{},
		statuses: b.statuses[:len(b.statuses):len(b.statuses)],
		jobs:     b.jobs.freeze(),
		tasks:    b.tasks.freeze(),
		pools:    append([]poolRec(nil), b.pools...),
		failures: b.failures[:len(b.failures):len(b.failures)],
		byStatus: make(map[pool.Status]int, len(b.byStatus)),
		Executed: b.executedN,
		Finished: b.finishedN,
		Resumed:  b.resumed,
		bars:     b.bars.freeze(),
	}
	for st, n := range b.byStatus {
		s.byStatus[st] = n
	}
	// What the samplers' goroutines write, read now: Attempt.Memory and
	// Pool.Memory lock their pool's samples.
	for id, run := range b.running {
		s.running = append(s.running, runRec{job: id, lane: run.lane})
		if run.sampled {
			if s.live == nil {
				s.live = map[int32]liveMemory{}
			}
			last, peak, _ := run.att.Memory()
			s.live[id] = liveMemory{last: last, peak: peak}
		}
	}
	for i := range s.pools {
		if s.pools[i].sampled {
			s.pools[i].memory = b.pptrs[i].Memory()
		}
	}
	sort.Slice(s.running, func(i, k int) bool {
		a, c := s.jobs.at(int(s.running[i].job)), s.jobs.at(int(s.running[k].job))
		if a.tstart != c.tstart {
			return a.tstart < c.tstart
		}
		return s.running[i].job < s.running[k].job
	})
	s.Version = 1
	if prev != nil {
		s.Version = prev.Version + 1
		keep := prev.changes
		if len(keep) >= changesKept {
			keep = keep[len(keep)-changesKept+1:]
		}
		change := changeSet{version: s.Version, jobs: b.changedJob, tasks: b.changedTsk, overflow: b.overflow}
		if b.overflow {
			change.jobs, change.tasks = nil, nil
		}
		s.changes = append(append([]changeSet(nil), keep...), change)
	}
	if b.overflow {
		clear(b.jobMarked)
	} else {
		for _, id := range b.changedJob {
			b.jobMarked[id/64] &^= 1 << (uint(id) % 64)
		}
	}
	b.changedJob, b.changedTsk, b.overflow = nil, nil, false
	clear(b.tskMarked)
	b.dirty = false
	b.gen++
	return s
}

// attemptOf is the record of the last attempt of r, which ended with st.
func attemptOf(r *jobRec, st pool.Status) attemptRec {
	a := attemptRec{tstart: r.tstart, tstop: r.tstop, pid: r.pid, rc: r.rc, hasRC: r.flags&flagRC != 0, status: st}
	if r.more != nil {
		if r.more.hasRusage {
			a.rusage, a.hasRusage = r.more.rusage, true
		}
		a.peakmem = r.more.peakmem
	}
	return a
}

// tailLines and tailBytes bound what is kept of a failure's captured output.
const (
	tailLines = 10
	tailBytes = 2048
)

// lastLines is the last lines of out, at most tailLines and tailBytes.
func lastLines(out []byte) string {
	if len(out) > tailBytes {
		out = out[len(out)-tailBytes:]
	}
	end := len(out)
	if end > 0 && out[end-1] == '\n' {
		end--
	}
	n := 0
	for i := end - 1; i >= 0; i-- {
		if out[i] == '\n' {
			if n++; n == tailLines {
				out = out[i+1:]
				break
			}
		}
	}
	return string(out)
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// seconds is d in seconds; 0 for none, and +Inf for forever (a duration
// past what time.Duration holds).
func seconds(d time.Duration) float32 {
	if d == 1<<63-1 {
		return float32(posInf)
	}
	return float32(d.Seconds())
}
