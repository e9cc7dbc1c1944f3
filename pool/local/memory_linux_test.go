//go:build !expool_portable

package local_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"expool/internal/testproc"
	"expool/pool"
	"expool/pool/local"
)

const (
	mib = 1 << 20
	gib = 1 << 30
	// sample is how often the tests sample memory.
	sample = 20 * time.Millisecond
)

// newMemPool is a pool that samples memory every sample, with a memory limit
// (0: none).
func newMemPool(t *testing.T, workers int, limit int64) *pool.Pool {
	t.Helper()
	return testproc.Pool(t, testproc.Loop(t), pool.Config{Name: "mem", Workers: workers, KillGrace: 500 * time.Millisecond,
		PipeLimit: pool.DefaultPipeLimit, MemSample: sample, MemLimit: limit})
}

func peak(t *testing.T, j *pool.Job) int64 {
	t.Helper()
	b := j.Last.PeakMem
	if b == 0 {
		t.Fatalf("job %s: no memory sampled", j.Name)
	}
	return b
}

func wantDone(t *testing.T, jobs ...*pool.Job) {
	t.Helper()
	for _, j := range jobs {
		if j.Status != pool.StatusDone {
			t.Errorf("job %s ended %s (%q), want done", j.Name, j.Status, j.Error)
		}
	}
}

// A job's peak memory is what /usr/bin/time -v says is the peak of its
// process, the oracle, give or take time's own.
func TestPeakMemAgainstTime(t *testing.T) {
	timev, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		t.Skip("no /usr/bin/time (Debian's package time)")
	}
	p := newMemPool(t, 1, 0)
	j := testproc.Job("timed", "-alloc", "200", "sleep", "0.5")
	j.Args = append([]string{timev, "-v"}, j.Args...)
	j.Stderr = pool.Pipe
	testproc.Run(t, p, j)
	wantDone(t, j)
	m := regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`).FindSubmatch(j.Last.ErrOutput)
	if m == nil {
		t.Fatalf("no maximum resident set size in time's report:\n%s", j.Last.ErrOutput)
	}
	kib, _ := strconv.ParseInt(string(m[1]), 10, 64)
	got, want := peak(t, j), kib<<10
	// time's own process is in the job too: a few MiB.
	if got < want*95/100 || got > want*105/100+8*mib {
		t.Errorf("peakmem %d MiB, /usr/bin/time -v says the job's process peaked at %d MiB", got/mib, want/mib)
	}
}

// Once the samplers hold as many descriptors as they may (an eighth of the
// open-file limit), they read /proc by path: a job's memory is sampled all
// the same, and no descriptor is left held.
func TestPeakMemWithoutHeldFDs(t *testing.T) {
	restore := local.SaturateHeldFDs()
	defer restore()
	held := local.HeldFDs()
	p := newMemPool(t, 2, 0)
	tree := testproc.Job("tree", "-alloc", "64", "-chain", "2", "sleep", "1")
	testproc.Run(t, p, tree)
	wantDone(t, tree)
	if got := peak(t, tree); got < 3*64*mib {
		t.Errorf("peakmem %d MiB, want at least the 3 × 64 MiB its processes touched", got/mib)
	}
	if local.HeldFDs() != held {
		t.Errorf("the samplers hold %d descriptors, want %d: none past their maximum", local.HeldFDs(), held)
	}
}

// The memory of a job is that of all its processes: a chain of
// descendants, one that left the process group (setsid) and one that was
// orphaned and adopted by expool.
func TestPeakMemTree(t *testing.T) {
	p := newMemPool(t, 3, 0)
	dir := t.TempDir()
	// Each process allocates 100 MiB; they are all set up once the pid
	// file has its lines, and then hold it for 1 s.
	chain := testproc.Job("chain", "-pidfile", filepath.Join(dir, "chain"), "-alloc", "100", "-chain", "2", "sleep", "1")
	escapee := testproc.Job("escapee", "-pidfile", filepath.Join(dir, "escapee"), "-alloc", "100", "-setsid-grandchild", "sleep", "1")
	orphan := testproc.Job("orphan", "-pidfile", filepath.Join(dir, "orphan"), "-alloc", "100", "-orphan", "sleep", "1")
	testproc.Run(t, p, chain, escapee, orphan)
	wantDone(t, chain, escapee, orphan)
	for _, c := range []struct {
		j     *pool.Job
		procs int64
	}{{chain, 3}, {escapee, 2}, {orphan, 2}} {
		if got := peak(t, c.j); got < c.procs*100*mib || got > c.procs*(100+40)*mib+100*mib {
			t.Errorf("job %s: peakmem %d MiB, want %d processes of 100 MiB and a little", c.j.Name, got/mib, c.procs)
		}
	}
}

// A job over its memlimit is terminated, and ends "memory", never restarted;
// one that ignores SIGTERM is killed after killgrace. None of its processes
// is left.
func TestJobMemLimit(t *testing.T) {
	p := newMemPool(t, 2, 0)
	dir := t.TempDir()
	grow := []string{"-grow", "20:0.02:600", "sleep", "30"}
	plain := testproc.Job("plain", append([]string{"-pidfile", filepath.Join(dir, "plain"), "-chain", "1"}, grow...)...)
	plain.Extra = &pool.JobExtra{MemLimit: 150 * mib}
	plain.RestartOnTimeout = true
	stubborn := testproc.Job("stubborn", append([]string{"-pidfile", filepath.Join(dir, "stubborn"), "-ignore-term"}, grow...)...)
	stubborn.Extra = &pool.JobExtra{MemLimit: 150 * mib}
	testproc.Run(t, p, plain, stubborn)
	for _, c := range []struct {
		j    *pool.Job
		code int
	}{{plain, -15}, {stubborn, -9}} {
		code, _ := c.j.ReturnCode()
		if c.j.Status != pool.StatusMemory || code != c.code || c.j.Restarts != 0 {
			t.Errorf("job %s: %s, returncode %d, %d restarts; want memory, %d, no restart", c.j.Name, c.j.Status, code, c.j.Restarts, c.code)
		}
		if !strings.Contains(c.j.Error, "over the job's memlimit of 0.146 GiB") {
			t.Errorf("job %s: error %q", c.j.Name, c.j.Error)
		}
		if b := peak(t, c.j); b < 150*mib {
			t.Errorf("job %s: peakmem %d MiB, under its limit", c.j.Name, b/mib)
		}
		_, pgids, err := testproc.ReadPids(filepath.Join(dir, c.j.Name))
		if err != nil {
			t.Fatal(err)
		}
		if left := testproc.GroupMembers(pgids...); len(left) > 0 {
			t.Errorf("job %s left processes: %v", c.j.Name, left)
		}
	}
}

// Six jobs of 300 MiB under a pool limit of 1 GiB: all of them end "done";
// some were requeued to keep the pool under its limit, which it exceeds for
// no longer than a sample and the time the requeued jobs take to die. (Each
// grows in steps of 10 MiB, so that a SIGTERM waits for at most one step:
// the kernel handles it once the step's mmap is populated.)
func TestPoolMemLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("1.8 GiB of memory")
	}
	p := newMemPool(t, 6, gib)
	var jobs []*pool.Job
	starts := map[*pool.Job]int{}
	for i := range 6 {
		j := testproc.Job("j"+strconv.Itoa(i), "-grow", "10:0.002:300", "sleep", "1")
		j.OnStart = func(j *pool.Job) error { starts[j]++; return nil }
		jobs = append(jobs, j)
	}
	var (
		mu      sync.Mutex
		longest time.Duration // the longest the pool stayed over its limit
		highest int64
	)
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		var over time.Time
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			m := p.Memory()
			mu.Lock()
			highest = max(highest, m)
			switch {
			case m > gib && over.IsZero():
				over = time.Now()
			case m <= gib && !over.IsZero():
				longest = max(longest, time.Since(over))
				over = time.Time{}
			}
			mu.Unlock()
		}
	}()
	testproc.Run(t, p, jobs...)
	close(stop)
	<-watched
	wantDone(t, jobs...)
	requeued := 0
	for _, j := range jobs {
		requeued += j.Restarts
		if starts[j] != j.Restarts+1 {
			t.Errorf("job %s: onstart ran %d times for %d restarts", j.Name, starts[j], j.Restarts)
		}
	}
	if len(p.Failures) != 0 {
		t.Errorf("requeued jobs counted as failures: %d", len(p.Failures))
	}
	if requeued == 0 {
		t.Errorf("no job was requeued: the pool never went over its limit?")
	}
	// A sample, and the death of the requeued jobs, which free up to 300 MiB
	// each: 20 to 260 ms here; a loaded 2-core machine, more. Jobs that the
	// pool did not keep under its limit would hold it over it for a second.
	if longest > sample+500*time.Millisecond {
		t.Errorf("the pool was over its limit for %v at a stretch", longest)
	}
	// Never more than the limit sampled at once, but for one sample's lag:
	// what the running jobs grew in a sample period, less than one job's
	// 300 MiB (56 MiB over here).
	if highest > gib+300*mib {
		t.Errorf("the pool's memory reached %d MiB, over its limit by more than a sample's growth", highest/mib)
	}
	t.Logf("%d attempts requeued; the pool peaked at %d MiB, over its limit for %v at most", requeued, highest/mib, longest)
	if p.Memory() != 0 {
		t.Errorf("pool.memory is %d once every job has ended", p.Memory())
	}
}

// A job alone over the pool's limit ends "memory".
func TestAloneOverPoolLimit(t *testing.T) {
	p := newMemPool(t, 2, 200*mib)
	j := testproc.Job("big", "-grow", "20:0.02:600", "sleep", "30")
	testproc.Run(t, p, j)
	if j.Status != pool.StatusMemory || !strings.Contains(j.Error, "over the pool's memlimit") {
		t.Errorf("%s (%q), want memory, over the pool's memlimit", j.Status, j.Error)
	}
}

// Admission: a job starts only if its expected memory fits beside what the
// running ones hold: Job.Mem, else its category's peaks.
func TestAdmission(t *testing.T) {
	p := newMemPool(t, 3, gib)
	// Given: three jobs of 0.45 GiB expected run two at a time.
	var given []*pool.Job
	for i := range 3 {
		j := testproc.Job("given"+strconv.Itoa(i), "-alloc", "20", "sleep", "0.3")
		j.Extra = &pool.JobExtra{Mem: 450 * mib}
		given = append(given, j)
	}
	testproc.Run(t, p, given...)
	wantDone(t, given...)
	if maxOverlap(given) != 2 {
		t.Errorf("%d of the jobs expected at 0.45 GiB ran at once under a 1 GiB limit, want 2", maxOverlap(given))
	}

	// Learnt: a finished job of category c and size 1 peaked at 400 MiB;
	// the next ones of size 2 are expected to use as much, and run two at
	// a time; one of size 0.5 is expected at 0 and starts beside them.
	first := testproc.Job("first", "-alloc", "400", "sleep", "0.1")
	first.Extra = &pool.JobExtra{Category: "c", Size: 1}
	testproc.Run(t, p, first)
	wantDone(t, first)
	var next []*pool.Job
	for i := range 3 {
		j := testproc.Job("next"+strconv.Itoa(i), "-alloc", "20", "sleep", "0.3")
		j.Extra = &pool.JobExtra{Category: "c", Size: 2}
		next = append(next, j)
	}
	small := testproc.Job("small", "-alloc", "20", "sleep", "0.3")
	small.Extra = &pool.JobExtra{Category: "c", Size: 0.5}
	testproc.Run(t, p, next[0], next[1], small, next[2])
	wantDone(t, append(next, small)...)
	if maxOverlap(next) != 2 {
		t.Errorf("%d of the jobs expected at 400 MiB ran at once under a 1 GiB limit, want 2", maxOverlap(next))
	}
	if !small.Last.Start.Before(next[0].Last.Stop) {
		t.Errorf("the small job, expected at 0, waited for a big one to end")
	}
}

// maxOverlap is the largest number of jobs whose last attempts ran at once.
func maxOverlap(jobs []*pool.Job) int {
	most := 0
	for _, a := range jobs {
		n := 0
		for _, b := range jobs {
			if !b.Last.Start.After(a.Last.Start) && b.Last.Stop.After(a.Last.Start) {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}
