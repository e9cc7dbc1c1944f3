package pool_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"expool/pool"
	"expool/pool/local"
)

// needSampling skips a test that needs memory sampled: Linux's launcher.
func needSampling(t *testing.T) {
	if local.Portable {
		t.Skip("memory limits need Linux's launcher")
	}
}

// related makes a job of category cat and size size running testproc args.
func related(name, cat string, size float64, args ...string) *pool.Job {
	j := child(name, args...)
	j.Extra = &pool.JobExtra{Category: cat, Size: size}
	return j
}

type wantEnd struct {
	j      *pool.Job
	status pool.Status
	err    string
}

func checkEnds(t *testing.T, ends []wantEnd) {
	t.Helper()
	for _, w := range ends {
		if w.j.Status != w.status || w.j.Error != w.err {
			t.Errorf("job %s: %s (%q), want %s (%q)", w.j.Name, w.j.Status, w.j.Error, w.status, w.err)
		}
	}
}

// When a job of a category and a size times out, the jobs of its category
// whose size (times slowdown) is not smaller are cancelled if pending, and
// terminated if running and started after it; the others run on.
func TestChainOnTimeout(t *testing.T) {
	p := newPool(t, 3)
	before := related("before", "c", 10, "sleep", "1.5") // started before the origin: runs on
	origin := related("origin", "c", 2, "sleep", "30")
	origin.Timeout = 500 * time.Millisecond
	after := related("after", "c", 3, "sleep", "30")
	bigger := related("bigger", "c", 4, "sleep", "30")
	smaller := related("smaller", "c", 1, "exit", "0")
	same := related("same", "c", 2, "exit", "0")
	faster := related("faster", "c", 3, "exit", "0")
	faster.Extra.Slowdown = 0.5 // 3 × 0.5 < 2: it would not hit the wall
	other := related("other", "d", 9, "exit", "0")
	unsized := related("unsized", "c", 0, "exit", "0")
	execute(t, p, before, origin, after, bigger, smaller, same, faster, other, unsized)
	join(t, p)
	why := `job "origin" (category "c") timed out`
	checkEnds(t, []wantEnd{
		{before, pool.StatusDone, ""},
		{origin, pool.StatusTimeout, ""},
		{after, pool.StatusTerminated, why},
		{bigger, pool.StatusCancelled, why},
		{smaller, pool.StatusDone, ""},
		{same, pool.StatusCancelled, why},
		{faster, pool.StatusDone, ""},
		{other, pool.StatusDone, ""},
		{unsized, pool.StatusDone, ""},
	})
}

// A job restarted on its timeout chains nothing until it ends timeout.
func TestChainAfterRestarts(t *testing.T) {
	p := newPool(t, 1)
	origin := related("origin", "c", 1, "sleep", "30")
	origin.Timeout = 200 * time.Millisecond
	origin.RestartOnTimeout, origin.MaxRestarts = true, 2
	next := related("next", "c", 2, "exit", "0")
	execute(t, p, origin, next)
	join(t, p)
	checkEnds(t, []wantEnd{
		{origin, pool.StatusTimeout, ""},
		{next, pool.StatusCancelled, `job "origin" (category "c") timed out`},
	})
	if origin.Restarts != 2 {
		t.Errorf("origin restarted %d times, want 2", origin.Restarts)
	}
}

// The same with memory: a job of a category and a size that goes over its
// limit ends the bigger ones.
func TestChainOnMemory(t *testing.T) {
	needSampling(t)
	l := newLoop(t)
	p := newPoolOf(t, l, pool.Config{Name: "mem", Workers: 2, KillGrace: time.Second, MemSample: 20 * time.Millisecond})
	origin := related("origin", "c", 2, "-grow", "10:0.01:500", "sleep", "30")
	origin.Extra.MemLimit = 100 << 20
	after := related("after", "c", 3, "sleep", "30")
	bigger := related("bigger", "c", 4, "sleep", "30")
	smaller := related("smaller", "c", 1, "exit", "0")
	execute(t, p, origin, after, bigger, smaller)
	join(t, p)
	why := `job "origin" (category "c") went over its memory limit`
	checkEnds(t, []wantEnd{
		{after, pool.StatusTerminated, why},
		{bigger, pool.StatusCancelled, why},
		{smaller, pool.StatusDone, ""},
	})
	if origin.Status != pool.StatusMemory {
		t.Errorf("origin ended %s (%q), want memory", origin.Status, origin.Error)
	}
}

// A sweep of sizes, two at a time: the first size that times out ends every
// bigger one, whatever ran or waited.
func TestChainSweep(t *testing.T) {
	p := newPool(t, 2)
	var jobs []*pool.Job
	for size := 1; size <= 8; size++ {
		// Size 4 and up hang; the timeout catches size 4 first.
		args := []string{"exit", "0"}
		if size >= 4 {
			args = []string{"sleep", "30"}
		}
		j := related(fmt.Sprint("size", size), "sweep", float64(size), args...)
		j.Timeout = 300 * time.Millisecond
		if size > 4 {
			j.Timeout = 10 * time.Second // so that size 4 times out first, for certain
		}
		jobs = append(jobs, j)
	}
	execute(t, p, jobs...)
	join(t, p)
	why := `job "size4" (category "sweep") timed out`
	for i, j := range jobs {
		size := i + 1
		switch {
		case size < 4:
			checkEnds(t, []wantEnd{{j, pool.StatusDone, ""}})
		case size == 4:
			checkEnds(t, []wantEnd{{j, pool.StatusTimeout, ""}})
		case j.Last != nil:
			// size 5 ran beside size 4, and started after it
			checkEnds(t, []wantEnd{{j, pool.StatusTerminated, why}})
		default:
			checkEnds(t, []wantEnd{{j, pool.StatusCancelled, why}})
		}
	}
	if jobs[4].Last == nil {
		t.Errorf("size5 never started beside size4")
	}
}

// A job that a chain left running, since it started before the origin, does
// not run again if it is requeued: it would hit the same wall.
func TestChainWallOnRequeue(t *testing.T) {
	needSampling(t)
	l := newLoop(t)
	p := newPoolOf(t, l, pool.Config{Name: "mem", Workers: 3, KillGrace: time.Second,
		MemSample: 20 * time.Millisecond, MemLimit: 300 << 20})
	// steady holds 100 MiB until early has ended.
	release := filepath.Join(t.TempDir(), "release")
	steady := child("steady", "-alloc", "100", "waitfile", release, "1")
	// Started before the origin, it grows slowly past what the pool has
	// room for beside steady, well after the origin has ended.
	early := related("early", "c", 5, "-grow", "10:0.05:400", "sleep", "30")
	early.OnFinish = func(*pool.Job) { os.WriteFile(release, []byte("go\n"), 0o666) }
	origin := related("origin", "c", 2, "-grow", "10:0.01:500", "sleep", "30")
	origin.Extra.MemLimit = 50 << 20
	execute(t, p, steady, early, origin)
	join(t, p)
	checkEnds(t, []wantEnd{
		{steady, pool.StatusDone, ""},
		{early, pool.StatusTerminated, `job "origin" (category "c") went over its memory limit`},
	})
	if origin.Status != pool.StatusMemory {
		t.Errorf("origin ended %s (%q), want memory", origin.Status, origin.Error)
	}
}

// memLauncher starts make-believe processes whose memory the test reports
// itself, as the local launcher's sampler would, so that the pool's memory
// rules can be checked sample by sample.
type memLauncher struct {
	mu      sync.Mutex
	procs   []*memProc
	started chan *memProc
}

func (l *memLauncher) MemoryError() error { return nil }

func (l *memLauncher) Launch(c *pool.Command) (pool.Process, error) {
	p := &memProc{name: c.Args[0], report: c.OnMemory, done: make(chan struct{})}
	l.mu.Lock()
	l.procs = append(l.procs, p)
	p.pid = 1<<22 + len(l.procs)
	l.mu.Unlock()
	l.started <- p
	return p, nil
}

type memProc struct {
	name   string
	pid    int
	report func(int64)
	done   chan struct{}

	mu       sync.Mutex
	code     int
	exited   bool
	signaled bool
}

func (p *memProc) Pid() int { return p.pid }

func (p *memProc) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return os.ErrProcessDone
	}
	p.signaled = true
	p.exitLocked(-int(sig))
	return nil
}

func (p *memProc) exit(code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exitLocked(code)
}

func (p *memProc) exitLocked(code int) {
	if !p.exited {
		p.exited, p.code = true, code
		close(p.done)
	}
}

func (p *memProc) Wait() (pool.Exit, error) {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return pool.Exit{Code: p.code}, nil
}

func (p *memProc) wasSignaled() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.signaled
}

// The pool's memory rules, sample by sample, with processes whose memory
// the test reports: a pool of 500 MiB. The second of two jobs of 300 MiB is
// requeued (the first is not touched), and starts again, with onstart, once
// its peak fits, when the first has ended; then a job alone over the pool's
// limit ends "memory", as the last one running is never requeued.
func TestPoolMemLimitBySample(t *testing.T) {
	const mib = 1 << 20
	launcher := &memLauncher{started: make(chan *memProc, 8)}
	l, err := pool.NewLoop(launcher)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := newPoolOf(t, l, pool.Config{Workers: 4, MemSample: time.Second, MemLimit: 500 * mib})
	starts := map[string]int{}
	job := func(name string) *pool.Job {
		return &pool.Job{Name: name, Args: []string{name}, MaxRestarts: -1,
			OnStart: func(j *pool.Job) error { starts[j.Name]++; return nil }}
	}
	first, second, big := job("first"), job("second"), job("big")
	execute(t, p, first, second)
	problems := make(chan string, 8)
	go func() {
		defer close(problems)
		p1, p2 := <-launcher.started, <-launcher.started
		p1.report(300 * mib)
		p2.report(300 * mib)
		if p1.wasSignaled() || !p2.wasSignaled() {
			problems <- fmt.Sprintf("over the limit: first signalled %v, second %v; want the second only", p1.wasSignaled(), p2.wasSignaled())
		}
		// second is requeued; its peak does not fit beside first's 300 MiB
		// until first ends (checked below: it starts again after).
		p1.exit(0)
		p2 = <-launcher.started
		p2.report(300 * mib)
		p2.exit(0)
	}()
	join(t, p)
	for msg := range problems {
		t.Error(msg)
	}
	if first.Status != pool.StatusDone || second.Status != pool.StatusDone || first.Restarts != 0 || second.Restarts != 1 {
		t.Errorf("first %s, %d restarts; second %s, %d restarts; want both done, second requeued once", first.Status, first.Restarts, second.Status, second.Restarts)
	}
	if starts["second"] != 2 || !second.Last.Start.After(first.Last.Stop) {
		t.Errorf("second: onstart ran %d times, its last start %v, first's end %v", starts["second"], second.Last.Start, first.Last.Stop)
	}
	if len(p.Failures) != 0 || p.Memory() != 0 {
		t.Errorf("failures %d, memory %d after join", len(p.Failures), p.Memory())
	}

	execute(t, p, big)
	go func() { (<-launcher.started).report(600 * mib) }()
	join(t, p)
	if big.Status != pool.StatusMemory || big.Error != "memory 0.586 GiB over the pool's memlimit of 0.488 GiB" {
		t.Errorf("big: %s (%q), want memory", big.Status, big.Error)
	}
}

// schedLauncher is a pool.ResourceScheduler (as Slurm's launcher is) that
// records the Commands it is given; its processes exit at once.
type schedLauncher struct {
	inner *memLauncher
	cmds  chan *pool.Command
}

func (l *schedLauncher) SchedulesResources() {}

func (l *schedLauncher) Launch(c *pool.Command) (pool.Process, error) {
	l.cmds <- c
	p, err := l.inner.Launch(c)
	if err == nil {
		p.(*memProc).exit(0)
	}
	return p, err
}

// With a launcher that hands resources to a scheduler, a pool's affinity is
// the CPUs each pinned job asks for and a job's memlimit the memory it asks
// for; the pool pins nothing, samples nothing and does not cap its workers.
func TestResourcesAskedOfAScheduler(t *testing.T) {
	inner := &memLauncher{started: make(chan *memProc, 8)}
	launcher := &schedLauncher{inner: inner, cmds: make(chan *pool.Command, 8)}
	l, err := pool.NewLoop(launcher)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := newPoolOf(t, l, pool.Config{Workers: 500, Affinity: 1000, MemSample: pool.DefaultMemSample})
	if p.Workers != 500 {
		t.Errorf("workers %d, want 500: the scheduler places the jobs", p.Workers)
	}
	pinned := &pool.Job{Name: "pinned", Args: []string{"pinned"}, MaxRestarts: -1}
	pinned.More().MemLimit = 3 << 30
	unpinned := &pool.Job{Name: "unpinned", Args: []string{"unpinned"}, MaxRestarts: -1}
	unpinned.More().Unpinned = true
	execute(t, p, pinned, unpinned)
	join(t, p)
	for _, want := range []struct {
		name string
		cpus int
		mem  int64
	}{{"pinned", 1000, 3 << 30}, {"unpinned", 0, 0}} {
		c := <-launcher.cmds
		if c.Args[0] != want.name || c.CPUs != want.cpus || c.MemLimit != want.mem || c.Affinity != nil || c.MemSample != 0 {
			t.Errorf("%s: CPUs %d, MemLimit %d, Affinity %v, MemSample %v; want %d, %d, none, none",
				c.Args[0], c.CPUs, c.MemLimit, c.Affinity, c.MemSample, want.cpus, want.mem)
		}
	}
	if _, err := l.NewPool(pool.Config{MemLimit: 1 << 30, MemSample: pool.DefaultMemSample}); err == nil {
		t.Errorf("a pool memlimit with a scheduler's launcher: no error")
	}
}
