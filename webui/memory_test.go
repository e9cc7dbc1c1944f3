package webui

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"expool/pool"
)

// The view shows each running job's memory (its last sample), its peak and
// its CPUs, and its pool's memory and memlimit, in the JSON and on the page;
// samples, which come from another goroutine than the loop's, are published
// within memoryEvery with no event of the loop's. An ended job keeps its
// peak. Under -race: snapshots read the samples while they are written.
func TestMemory(t *testing.T) {
	const mib = 1 << 20
	ml := memLauncher{newFakeLauncher()}
	r := startRunOf(t, "0", ml.fakeLauncher, ml, pool.Config{Name: "mem", Workers: 2, KillGrace: time.Second,
		PipeLimit: pool.DefaultPipeLimit, MemSample: time.Second, MemLimit: 1 << 30, Affinity: 2},
		func(l *pool.Loop, p *pool.Pool) {
			for _, j := range []*pool.Job{job("big"), job("small"), job("later")} {
				if err := p.Execute(j); err != nil {
					t.Error(err)
				}
			}
		})
	r.waitFor("big and small running", func(s *Snapshot) bool { return s.Running() == 2 })
	ml.fl().waitStarted(t, "big")
	ml.fl().waitStarted(t, "small")

	// Readers of every kind while the samples come.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, path := range []string{"/api/jobs?status=running", "/api/summary", "/?part=live", "/api/jobs/big"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r.get(path)
			}
		}()
	}
	ml.sample(t, "big", 300*mib)
	ml.sample(t, "small", 100*mib)
	ml.sample(t, "big", 250*mib) // its peak stays 300 MiB
	memoryOf := func(s *Snapshot, name string) (last, peak int64) {
		id, ok := s.jobNamed(name)
		if !ok {
			return -1, -1
		}
		last, peak, _ = s.memory(id)
		return last, peak
	}
	r.waitFor("big's and small's samples", func(s *Snapshot) bool {
		big, _ := memoryOf(s, "big")
		small, _ := memoryOf(s, "small")
		return big == 250*mib && small == 100*mib
	})
	close(stop)
	wg.Wait()

	var jobs jobsAnswer
	r.getJSON("/api/jobs?status=running", &jobs)
	want := map[string][3]any{
		"big":   {250.0 / 1024, 300.0 / 1024, []any{0.0, 1.0}},
		"small": {100.0 / 1024, 100.0 / 1024, []any{2.0, 3.0}},
	}
	for _, j := range jobs.Jobs {
		w := want[j["name"].(string)]
		if j["memory"] != w[0] || j["peakmem"] != w[1] || fmt.Sprint(j["cpus"]) != fmt.Sprint(w[2]) {
			t.Errorf("%s: memory %v, peakmem %v, cpus %v; want %v", j["name"], j["memory"], j["peakmem"], j["cpus"], w)
		}
	}
	var sum map[string]any
	r.getJSON("/api/summary", &sum)
	p := sum["pools"].([]any)[0].(map[string]any)
	if p["memory"] != 350.0/1024 || p["memlimit"] != 1.0 {
		t.Errorf("pool memory %v, memlimit %v; want 350 MiB in GiB, 1", p["memory"], p["memlimit"])
	}
	_, page := r.get("/?part=live")
	for _, s := range []string{
		`memory <span class="memory">350 MiB</span> of 1.00 GiB`,
		`<td class="num">250 MiB</td><td class="num">300 MiB</td><td>0,1</td>`,
		`<td class="num">100 MiB</td><td class="num">100 MiB</td><td>2,3</td>`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %q:\n%s", s, page)
		}
	}

	// big ends: it keeps its peak and CPUs; later gets its CPUs.
	r.fl.end(t, "big", 0)
	r.waitFor("later running", func(s *Snapshot) bool {
		id, ok := s.jobNamed("later")
		return ok && s.status(s.jobs.at(int(id))) == pool.StatusRunning
	})
	var big map[string]any
	r.getJSON("/api/jobs/big", &big)
	attempts := big["attempts"].([]any)
	if big["memory"] != nil || big["peakmem"] != 300.0/1024 || fmt.Sprint(big["cpus"]) != "[0 1]" ||
		attempts[0].(map[string]any)["peakmem"] != 300.0/1024 {
		t.Errorf("big, ended: memory %v, peakmem %v, cpus %v, attempts %v; want null, 300 MiB, [0 1]", big["memory"], big["peakmem"], big["cpus"], attempts)
	}
	_, page = r.get("/?part=live")
	if !strings.Contains(page, `<td class="num">300 MiB</td><td></td></tr>`) {
		t.Errorf("the jobs table lacks big's peak memory:\n%s", page)
	}
	var later map[string]any
	r.getJSON("/api/jobs/later", &later)
	if fmt.Sprint(later["cpus"]) != "[0 1]" || later["memory"] != 0.0 || later["peakmem"] != nil {
		t.Errorf("later, just started: cpus %v, memory %v, peakmem %v; want [0 1], 0, null", later["cpus"], later["memory"], later["peakmem"])
	}
	r.fl.end(t, "small", 0)
	r.fl.end(t, "later", 0)
	r.wait()
	r.srv.Close() // closes the view: its last snapshot
	s := r.view.Snapshot()
	if !s.Over || s.pools[0].memory != 0 || len(s.live) != 0 {
		t.Errorf("after the run: pool memory %d, live %v; want none", s.pools[0].memory, s.live)
	}
}

func (l memLauncher) fl() *fakeLauncher { return l.fakeLauncher }
