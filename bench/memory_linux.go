package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func init() {
	sections = append(sections, section{"memory", (*bench).memory})
}

// memory: what sampling the jobs' memory costs, how soon a job over its
// memory limit is signalled, and a memory-bound workload against GNU
// parallel's --memfree.
func (b *bench) memory() {
	b.printf("## Memory: sampling, limits, and GNU parallel's --memfree\n\n")
	memhog := filepath.Join(b.dir, "memhog")
	build := exec.Command("go", "build", "-o", memhog, "./bench/memhog")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: memory: building memhog: %v\n", err)
		return
	}
	b.samplingCost()
	b.samplingThroughput()
	b.limitLatency(memhog)
	b.memfree(memhog)
}

// runs is the number of runs of the slow workloads: at most 3.
func (b *bench) slowRuns() int { return min(b.runs, 3) }

// ownRun runs argv and returns its wall time and its own CPU time (its
// jobs' excluded).
func (b *bench) ownRun(argv []string) (wall, cpu time.Duration, err error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = b.dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	cpu, err = ownCPU(cmd.Process.Pid)
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("%v: %s", werr, stderr.String())
	}
	return time.Since(begin), cpu, err
}

// samplingCost: 200 jobs running 10 s, sampled every 0.1 s or not at all:
// the difference in expool's own CPU time, over the wall time, is what
// sampling costs of one core.
func (b *bench) samplingCost() {
	b.printf("### Sampling 200 running jobs\n\n")
	script := b.script("sample200.lua", `local p = ExecPool{workers=200, memsample=tonumber(arg[1])}
for i = 1, 200 do p:execute(Job{name="s" .. i, args={"sleep", "10"}}) end
p:join()
`)
	var on, off, walls []time.Duration
	for r := 0; r < b.slowRuns(); r++ {
		for i := range 2 {
			sample := []string{"0.1", "0"}[(i+r)%2]
			wall, cpu, err := b.ownRun([]string{b.expool, script, sample})
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: memory: %v\n", err)
				return
			}
			if sample == "0" {
				off = append(off, cpu)
			} else {
				on, walls = append(on, cpu), append(walls, wall)
			}
		}
	}
	var costs []float64
	for i := range on {
		costs = append(costs, 100*float64(on[i]-off[i])/float64(walls[i]))
	}
	cost := median(costs)
	b.printf("200 × `sleep 10` at once, `ExecPool{workers=200, memsample=S}`; expool's own CPU time (user + system, from its /proc stat, its jobs' excluded), %d runs each, alternating:\n\n", len(on))
	b.printf("| memsample | expool's CPU time (median) | spread |\n|---|---|---|\n")
	for _, c := range []struct {
		name string
		cpu  []time.Duration
	}{{"0.1 s (the default)", on}, {"0 (no sampling)", off}} {
		lo, hi := spread(c.cpu)
		b.printf("| %s | %s | %s – %s |\n", c.name, ms(median(c.cpu)), ms(lo), ms(hi))
	}
	b.printf("\n- sampling costs **%.2f %%** of one core (target ≤ 2 %%: %s), paired by run; the CPU time is counted in clock ticks of 10 ms\n", cost, verdict(cost <= 2))
	b.printf("- `go test -run '^$' -bench Sample200 ./pool/local`, the sampler alone on 200 live processes:\n\n```\n")
	out, err := exec.Command("go", "test", "-run", "^$", "-bench", "Sample200", "./pool/local").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: go test -bench Sample200: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Benchmark") {
			b.printf("%s\n", line)
		}
	}
	b.printf("```\n\n")
}

// samplingThroughput: 2,000 × true with and without sampling.
func (b *bench) samplingThroughput() {
	b.printf("### 2,000 × `true`, 2 workers, with and without sampling\n\n")
	script := b.script("truesample.lua", `local p = ExecPool{workers=2, memsample=tonumber(arg[1])}
for i = 1, 2000 do p:execute(Job{name="t" .. i, args={"true"}}) end
p:join()
`)
	on := command{name: "expool, memsample=0.1", argv: []string{b.expool, script, "0.1"}}
	off := command{name: "expool, memsample=0", argv: []string{b.expool, script, "0"}}
	res := b.compare(on, off)
	b.printf("| contender | median wall | spread |\n|---|---|---|\n%s\n%s\n\n", b.row(on.name, res[on.name]), b.row(off.name, res[off.name]))
	r := ratio(median(walls(res[on.name])), median(walls(res[off.name])))
	b.printf("- with / without sampling: **%.2f** (target: not worse, ≤ 1.05 for the noise: %s)\n\n", r, verdict(r <= 1.05))
}

// hogLog is what memhogs wrote down: by pid, their steps and their SIGTERM.
type hogLog map[int]*hogSteps

type hogSteps struct {
	grew []hogStep
	term time.Time
}

type hogStep struct {
	at  time.Time
	kib int64
}

func readHogLog(path string) (hogLog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	log := hogLog{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		ns, _ := strconv.ParseInt(fields[1], 10, 64)
		pid, _ := strconv.Atoi(fields[2])
		h := log[pid]
		if h == nil {
			h = &hogSteps{}
			log[pid] = h
		}
		switch {
		case fields[0] == "term":
			h.term = time.Unix(0, ns)
		case fields[0] == "grew" && len(fields) == 4:
			kib, _ := strconv.ParseInt(fields[3], 10, 64)
			h.grew = append(h.grew, hogStep{time.Unix(0, ns), kib})
		}
	}
	return log, sc.Err()
}

// limitLatency: jobs growing by 4 MiB steps past a memlimit of 100 MiB; how
// long after it was last seen under the limit each got its SIGTERM.
func (b *bench) limitLatency(memhog string) {
	b.printf("### A job over its memlimit: how soon it is signalled\n\n")
	script := b.script("latency.lua", `local memsample, log, memhog = tonumber(arg[1]), arg[2], arg[3]
local p = ExecPool{workers=2, memsample=memsample}
for i = 1, 20 do
  p:execute(Job{name="h" .. i, memlimit=100/1024,
    args={memhog, "-step", "1", "-every", "2ms", "-max", "600", "-hold", "10s", "-log", log}})
end
p:join()
for _, j in ipairs(p.failures) do assert(j.status == "memory", j.name .. " " .. j.status) end
assert(#p.failures == 20)
`)
	const limitKiB = 100 << 10
	b.printf("20 jobs, 2 at a time, each growing by 1 MiB every 2 ms (each step mapped and touched at once) past `memlimit=100/1024`; " +
		"each writes down when it grew and when SIGTERM came. The delay is from the end of its last step under the limit " +
		"(it crossed it after) to its SIGTERM; from the end of its first step over the limit, the delays are shorter by the time a step takes.\n\n")
	b.printf("| memsample | delay p50 | p90 | max | max from the first step over | target: max ≤ 2 × memsample |\n|---|---|---|---|---|---|\n")
	for _, sample := range []string{"0.1", "0.02"} {
		log := filepath.Join(b.dir, "latency-"+sample+".log")
		os.Remove(log)
		if _, _, err := b.ownRun([]string{b.expool, script, sample, log, memhog}); err != nil {
			fmt.Fprintf(os.Stderr, "bench: memory: %v\n", err)
			return
		}
		hogs, err := readHogLog(log)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: memory: %v\n", err)
			return
		}
		var delays, shortest []float64
		for _, h := range hogs {
			var under, over time.Time
			for _, s := range h.grew {
				if s.kib <= limitKiB {
					under = s.at
				} else if over.IsZero() {
					over = s.at
				}
			}
			if !h.term.IsZero() && !under.IsZero() {
				delays = append(delays, float64(h.term.Sub(under))/float64(time.Millisecond))
			}
			if !h.term.IsZero() && !over.IsZero() {
				shortest = append(shortest, float64(h.term.Sub(over))/float64(time.Millisecond))
			}
		}
		if len(delays) == 0 {
			fmt.Fprintf(os.Stderr, "bench: memory: no delays in %s\n", log)
			return
		}
		slices.Sort(delays)
		s, _ := strconv.ParseFloat(sample, 64)
		worst := delays[len(delays)-1]
		b.printf("| %s s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %s (%d jobs) |\n", sample, median(delays), delays[len(delays)*9/10], worst,
			slices.Max(append(shortest, 0)), verdict(worst <= 2*s*1000), len(delays))
	}
	b.printf("\n")
}

// memfree: six jobs growing to 500 MiB each and holding it for a second,
// under a budget of 1.5 GiB: expool's pool memlimit against GNU parallel's
// --memfree, given the memory free at the start less the budget.
func (b *bench) memfree(memhog string) {
	b.printf("### A memory-bound workload: expool's memlimit and GNU parallel's --memfree\n\n")
	if !b.have["parallel"] {
		b.printf("GNU parallel is missing: no comparison.\n\n")
		return
	}
	const budgetMiB = 1536
	hog := []string{memhog, "-step", "10", "-every", "10ms", "-max", "500", "-hold", "1s"}
	script := b.script("memfree.lua", `local log = arg[1]
local p = ExecPool{workers=6, memlimit=1.5}
for i = 1, 6 do
  p:execute(Job{name="h" .. i, args={`+luaList(hog)+`, "-log", log}})
end
p:join()
assert(#p.failures == 0)
`)
	type result struct {
		wall  time.Duration
		kills int
		peak  int64 // KiB
	}
	results := map[string][]result{}
	memfreeMiB := int64(0)
	for r := 0; r < b.slowRuns(); r++ {
		for i := range 2 {
			name := []string{"expool", "parallel"}[(i+r)%2]
			log := filepath.Join(b.dir, "memfree.log")
			os.Remove(log)
			var cmd *exec.Cmd
			if name == "expool" {
				cmd = exec.Command(b.expool, script, log)
			} else {
				memfreeMiB = availableKiB()>>10 - budgetMiB
				cmd = exec.Command("parallel", append([]string{"--will-cite", "-j6", "--memfree", fmt.Sprintf("%dM", memfreeMiB), "--retries", "20"},
					append(hog, "-log", log, ":::", "1", "2", "3", "4", "5", "6")...)...)
			}
			cmd.Dir = b.dir
			peak := watchPeak("memhog")
			begin := time.Now()
			err := cmd.Run()
			wall := time.Since(begin)
			top := peak()
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: memory: %s: %v\n", name, err)
				return
			}
			hogs, err := readHogLog(log)
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: memory: %v\n", err)
				return
			}
			kills := 0
			for _, h := range hogs {
				if !h.term.IsZero() {
					kills++
				}
			}
			results[name] = append(results[name], result{wall, kills, top})
		}
	}
	b.printf("6 jobs (memhog, growing by 10 MiB steps to 500 MiB, then holding it 1 s), 6 at a time, a budget of %.1f GiB: "+
		"`ExecPool{workers=6, memlimit=1.5}` against `parallel -j6 --memfree M --retries 20`, M being the memory available at the start (MemAvailable) "+
		"less the budget (%d MiB, last run), as --memfree starts a job only while that much is free. %d runs each, alternating; "+
		"peak memory is the largest sum of the jobs' RSS, sampled by the harness every 20 ms.\n\n", float64(budgetMiB)/1024, memfreeMiB, b.slowRuns())
	b.printf("| contender | median wall | spread | jobs killed (median) | peak memory of the jobs (median) |\n|---|---|---|---|---|\n")
	for _, name := range []string{"expool", "parallel"} {
		var w []time.Duration
		var k []int64
		var p []int64
		for _, r := range results[name] {
			w, k, p = append(w, r.wall), append(k, int64(r.kills)), append(p, r.peak)
		}
		lo, hi := spread(w)
		b.printf("| %s | %s | %s – %s | %d | %.2f GiB |\n", name, ms(median(w)), ms(lo), ms(hi), median(k), float64(median(p))/(1<<20))
	}
	b.printf("\n- expool keeps the jobs near the budget: the ones that do not fit are stopped and requeued (\"killed\" here), and run again when there is room. " +
		"--memfree guards the memory free on the machine, not a budget: it starts a job while the machine has M free, and kills the youngest " +
		"only when less than M/2 is free, far past the budget on a machine with memory to spare.\n\n")
}

func luaList(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = strconv.Quote(a)
	}
	return strings.Join(quoted, ", ")
}

// availableKiB is MemAvailable, from /proc/meminfo.
func availableKiB() int64 {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// watchPeak samples, every 20 ms until it is called back, the summed RSS
// of the processes named comm, and returns the largest sum (KiB).
func watchPeak(comm string) func() int64 {
	var mu sync.Mutex
	var top int64
	stop := make(chan struct{})
	done := make(chan struct{})
	want := []byte("(" + comm + ")")
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			stats, _ := filepath.Glob("/proc/[0-9]*/stat")
			var sum int64
			for _, path := range stats {
				stat, err := os.ReadFile(path)
				if err != nil || !bytes.Contains(stat, want) {
					continue
				}
				statm, err := os.ReadFile(filepath.Join(filepath.Dir(path), "statm"))
				if err != nil {
					continue
				}
				f := bytes.Fields(statm)
				if len(f) > 1 {
					pages, _ := strconv.ParseInt(string(f[1]), 10, 64)
					sum += pages * int64(os.Getpagesize()) >> 10
				}
			}
			mu.Lock()
			top = max(top, sum)
			mu.Unlock()
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return top
	}
}
