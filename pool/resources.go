package pool

import (
	"fmt"
	"slices"
	"sync"
)

// Resources: what a pool does with its jobs' memory and CPUs, and with the
// jobs related to one that hit a wall.
//
// Memory. The launcher samples the memory of each running attempt (the
// resident memory of its processes, summed) every MemSample, on a goroutine
// of its own, and reports each sample to sampled, which runs on that
// goroutine, never on the loop's: a Lua callback that runs long does not
// delay it. sampled records the attempt's peak and enforces the limits at
// once, as a timer enforces a timeout:
//
//   - a job over its own MemLimit is terminated and ends "memory";
//   - a job alone over its pool's MemLimit is terminated and ends "memory";
//   - while the pool's jobs together are over its MemLimit, the one started
//     last is terminated and requeued (its attempt ends "requeued", and the
//     job goes back to the head of the queue), but never the last one
//     running, nor one run synchronously (it has no place in the queue).
//
// Admission, on the loop (mayStart): the first queued job starts only if its
// expected memory fits beside what the running jobs hold; for each, the
// larger of its last sample and what it was expected to use, since a job
// just started has not grown yet. What a job is expected to use: its Mem,
// else the peak of its own last attempt, else the largest peak of the
// pool's finished jobs of its category whose size is not larger, else 0.
//
// CPUs. With Affinity, each running job of the pool holds one of the
// pool's CPU groups; the loop owns which CPUs are in use, across pools.

// poolMemory is what a pool knows of its running attempts' memory. The
// sampler's goroutine writes it, the loop reads it; mu guards it and the
// memory fields of the executions in running.
type poolMemory struct {
	mu       sync.Mutex
	running  []*execution // sampled attempts, each at its index
	total    int64        // the sum of their last samples
	reserved int64        // the sum of their reservations
	// waiting: the head of the queue waits for memory, so the next sample
	// has the loop try again.
	waiting bool
}

// The memory fields of an execution, guarded by its pool's poolMemory.mu,
// mu. Its Attempt holds them too, for Attempt.Memory, from any goroutine.
type execMemory struct {
	mu       *sync.Mutex
	index    int   // in poolMemory.running; -1: not in it
	mem      int64 // the last sample, bytes
	peak     int64 // the largest sample
	expected int64 // what it was expected to use when it started
	gone     bool  // its process has been reaped: samples are late
}

// track adds a, whose process has started, to its pool's sampled attempts.
func (p *Pool) track(a *execution) {
	m := &p.mem
	m.mu.Lock()
	defer m.mu.Unlock()
	a.memory.index = len(m.running)
	m.running = append(m.running, a)
	m.total += a.memory.mem
	m.reserved += a.reservation()
}

// untrack removes a, whose process has ended, from its pool's sampled
// attempts; a sample that comes later is dropped.
func (p *Pool) untrack(a *execution) {
	m := &p.mem
	m.mu.Lock()
	defer m.mu.Unlock()
	a.memory.gone = true
	i := a.memory.index
	if i < 0 {
		return
	}
	m.total -= a.memory.mem
	m.reserved -= a.reservation()
	last := len(m.running) - 1
	m.running[i] = m.running[last]
	m.running[i].memory.index = i
	m.running[last] = nil
	m.running = m.running[:last]
	a.memory.index = -1
}

// reservation is what a holds for admission: the larger of its last sample
// and its expected memory. mu is held.
func (a *execution) reservation() int64 { return max(a.memory.mem, a.memory.expected) }

// sampled records a sample of a's memory, b bytes, and enforces the limits.
// The launcher calls it from its sampler's goroutine.
func (l *Loop) sampled(a *execution, b int64) {
	p := a.pool
	m := &p.mem
	m.mu.Lock()
	if a.memory.gone {
		m.mu.Unlock()
		return
	}
	tracked := a.memory.index >= 0
	if tracked {
		m.total += b - a.memory.mem
		m.reserved -= a.reservation()
	}
	a.memory.mem = b
	a.memory.peak = max(a.memory.peak, b)
	if tracked {
		m.reserved += a.reservation()
		if lim := a.memLimit; lim > 0 && b > lim {
			a.terminate(StatusMemory, fmt.Sprintf("memory %s over the job's memlimit of %s", GiB(b), GiB(lim)), false)
		}
		if p.MemLimit > 0 {
			p.enforce(a)
		}
	}
	retry := m.waiting
	m.waiting = false
	m.mu.Unlock()
	if retry {
		l.post(event{kind: evSchedule, pool: p})
	}
}

// enforce keeps the pool under its memory limit after a sample of a: a job
// alone over it ends "memory"; while the others are over it together, the
// one started last is requeued, never the last one running. mu is held.
func (p *Pool) enforce(a *execution) {
	m := &p.mem
	if a.memory.mem > p.MemLimit {
		a.terminate(StatusMemory, fmt.Sprintf("memory %s over the pool's memlimit of %s", GiB(a.memory.mem), GiB(p.MemLimit)), false)
	}
	if m.total <= p.MemLimit {
		return
	}
	var total int64
	var running int
	var queued []*execution // those that can be requeued
	for _, x := range m.running {
		if x.stopping() {
			continue // its memory goes with it
		}
		total += x.memory.mem
		running++
		if x.requeueable {
			queued = append(queued, x)
		}
	}
	slices.SortFunc(queued, func(x, y *execution) int { return y.start.Compare(x.start) })
	for _, x := range queued {
		if total <= p.MemLimit || running <= 1 {
			return
		}
		x.terminate(StatusRequeued, "", false)
		total -= x.memory.mem
		running--
	}
}

// memoryFits reports whether j's expected memory fits now beside what the
// pool's running jobs hold; it does when none runs, so that one always
// can. If it does not, the next sample has the loop try again.
func (p *Pool) memoryFits(j *Job) bool {
	if p.running == 0 {
		return true
	}
	want := p.expected(j)
	m := &p.mem
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.reserved+want <= p.MemLimit {
		return true
	}
	m.waiting = true
	return false
}

// expected is the memory j is expected to use: its Mem, else the peak of its
// own last attempt, else the largest peak among the pool's finished jobs of
// its category whose size is not larger, else 0.
func (p *Pool) expected(j *Job) int64 {
	if x := j.Extra; x != nil && x.Mem > 0 {
		return x.Mem
	}
	if j.Last != nil && j.Last.PeakMem > 0 {
		return j.Last.PeakMem
	}
	var best int64
	if cat := j.Category(); cat != "" {
		size := j.Size()
		for s, peak := range p.peaks[cat] {
			if s <= size {
				best = max(best, peak)
			}
		}
	}
	return best
}

// notePeak keeps the peak of j, which has finished, for the expectations of
// the jobs of its category.
func (p *Pool) notePeak(j *Job) {
	cat := j.Category()
	if cat == "" || j.Last == nil {
		return
	}
	peak := j.Last.PeakMem
	if peak == 0 {
		return
	}
	if p.peaks == nil {
		p.peaks = map[string]map[float64]int64{}
	}
	sizes := p.peaks[cat]
	if sizes == nil {
		sizes = map[float64]int64{}
		p.peaks[cat] = sizes
	}
	sizes[j.Size()] = max(sizes[j.Size()], peak)
}

// freeGroup is the first of the pool's CPU groups none of whose CPUs is in
// use, or nil.
func (p *Pool) freeGroup() []int {
	inUse := p.loop.cpusInUse
groups:
	for _, g := range p.groups {
		for _, c := range g {
			if inUse[c] {
				continue groups
			}
		}
		return g
	}
	return nil
}

// takeCPUs gives j, about to start, a free CPU group of its pool if it is to
// be pinned; nil if it is not, or if none is free (a synchronous job then
// runs unpinned).
func (l *Loop) takeCPUs(j *Job) []int {
	p := j.pool
	if p.groups == nil || !j.pinned() {
		return nil
	}
	g := p.freeGroup()
	if g == nil {
		return nil
	}
	if l.cpusInUse == nil {
		l.cpusInUse = map[int]bool{}
	}
	for _, c := range g {
		l.cpusInUse[c] = true
	}
	return g
}

// releaseCPUs frees the CPUs of an ended attempt, and lets the other pools
// that pin jobs start those that waited for them.
func (l *Loop) releaseCPUs(cpus []int) {
	if cpus == nil {
		return
	}
	for _, c := range cpus {
		delete(l.cpusInUse, c)
	}
}

// chain ends the jobs related to origin, which has just ended with status st,
// timeout or memory: the other jobs of its pool in its category whose size
// (for a timeout, size × slowdown) is not smaller would hit the same wall.
// The pending ones are cancelled; the running ones are terminated if they
// started after origin. Jobs without a category or a size are never chained.
func (l *Loop) chain(origin *Job, st Status) {
	cat := origin.Category()
	if cat == "" || origin.Size() <= 0 {
		return
	}
	weight := (*Job).Size
	what := "went over its memory limit"
	if st == StatusTimeout {
		weight = (*Job).weight
		what = "timed out"
	}
	why := fmt.Sprintf("job %q (category %q) %s", origin.Name, cat, what)
	p, w := origin.pool, weight(origin)
	p.noteWall(cat, st, w, why)
	match := func(j *Job) bool {
		return j != origin && j.pool == p && j.Category() == cat && j.Size() > 0 && weight(j) >= w
	}
	for _, j := range p.starting {
		if match(j) {
			l.cancelStarting(j, why)
		}
	}
	p.cancelQueued(match, why)
	started := origin.Last.Start
	l.terminateLive(func(a *execution) bool { return match(a.job) && a.start.After(started) }, why, false)
}

// walls are the smallest sizes of a category whose jobs ended timeout (a
// weight: size × slowdown) and memory, and why, for the jobs that a chain
// left running and that are requeued since: they do not run again.
type walls struct {
	timeout, memory       float64
	timeoutWhy, memoryWhy string
}

func (p *Pool) noteWall(cat string, st Status, w float64, why string) {
	if p.walls == nil {
		p.walls = map[string]*walls{}
	}
	x := p.walls[cat]
	if x == nil {
		x = &walls{}
		p.walls[cat] = x
	}
	switch {
	case st == StatusTimeout && (x.timeout == 0 || w < x.timeout):
		x.timeout, x.timeoutWhy = w, why
	case st == StatusMemory && (x.memory == 0 || w < x.memory):
		x.memory, x.memoryWhy = w, why
	}
}

// wallFor says which wall j, requeued, would hit, if any.
func (p *Pool) wallFor(j *Job) string {
	x := p.walls[j.Category()]
	switch {
	case x == nil || j.Size() <= 0:
	case x.memory > 0 && j.Size() >= x.memory:
		return x.memoryWhy
	case x.timeout > 0 && j.weight() >= x.timeout:
		return x.timeoutWhy
	}
	return ""
}

// GiB writes bytes as GiB, as the Lua API counts memory.
func GiB(b int64) string {
	return fmt.Sprintf("%.3g GiB", float64(b)/(1<<30))
}
