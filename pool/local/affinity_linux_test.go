//go:build !expool_portable

package local_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"expool/internal/testproc"
	"expool/pool"
	"expool/pool/local"
)

// allowedHere is the number of CPUs expool may use.
func allowedHere(t *testing.T) int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	return set.Count()
}

// Jobs of a pool with affinity run on CPUs of their own, as their
// processes' Cpus_allowed_list says, their children too; EXPOOL_CPUS and
// job.cpus say which. A job with affinity=false runs on all of expool's.
func TestAffinity(t *testing.T) {
	cpus := allowedHere(t)
	if cpus < 2 {
		t.Skip("expool may use only one CPU here")
	}
	launcher := local.New()
	defer launcher.Close()
	l, err := pool.NewLoop(launcher)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	defer l.Shutdown(context.Background(), "the test ended")
	if _, err := l.NewPool(pool.Config{Workers: 1, Affinity: cpus + 1}); err == nil ||
		!strings.Contains(err.Error(), fmt.Sprintf("affinity %d: expool may use %d CPUs", cpus+1, cpus)) {
		t.Errorf("affinity over the CPUs: %v", err)
	}
	p, err := l.NewPool(pool.Config{Workers: cpus + 3, Affinity: 1, PipeLimit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if p.Workers != cpus {
		t.Errorf("%d workers with affinity 1 on %d CPUs", p.Workers, cpus)
	}
	// Two jobs at once, each with a child: each sees the CPU it was given.
	var jobs []*pool.Job
	for i := range 2 {
		j := testproc.Job(fmt.Sprint("pinned", i), "-chain", "1", "cpus", "0.5")
		j.Stdout = pool.Pipe
		jobs = append(jobs, j)
	}
	free := testproc.Job("free", "cpus")
	free.Stdout = pool.Pipe
	free.Extra = &pool.JobExtra{Unpinned: true}
	for _, j := range append(jobs, free) {
		if err := p.Execute(j); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Join(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	given := map[string]bool{}
	for _, j := range jobs {
		want := pool.CPUList(j.Last.CPUs)
		if len(j.Last.CPUs) != 1 || given[want] {
			t.Errorf("job %s was given CPUs %v (given so far: %v)", j.Name, j.Last.CPUs, given)
		}
		given[want] = true
		lines := strings.Split(strings.TrimSpace(string(j.Last.Output)), "\n")
		if len(lines) != 2 {
			t.Errorf("job %s: %q, want a line from it and one from its child", j.Name, j.Last.Output)
		}
		for _, line := range lines {
			f := strings.Fields(line)
			if len(f) != 3 || f[1] != want || f[2] != want {
				t.Errorf("job %s, given %s: its process said %q (pid, Cpus_allowed_list, EXPOOL_CPUS)", j.Name, want, line)
			}
		}
	}
	f := strings.Fields(string(free.Last.Output))
	if free.Last.CPUs != nil || len(f) != 2 || f[1] != fmt.Sprintf("0-%d", cpus-1) {
		t.Errorf("the unpinned job was given %v and said %q", free.Last.CPUs, free.Last.Output)
	}
	if !jobs[1].Last.Start.Before(jobs[0].Last.Stop) {
		t.Errorf("the two pinned jobs did not run at once")
	}
}
