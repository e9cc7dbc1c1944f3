package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The workloads of many processes at once: the C floor of starting
// processes, thousands of jobs running at once, timeouts by the thousand,
// and output through PIPE.

func init() {
	sections = append(sections,
		section{"concurrency", (*bench).concurrency},
		section{"overshoot", (*bench).overshoot},
		section{"pipe", (*bench).pipe},
	)
}

// floorC runs N × a program, P at once, with posix_spawnp and waitpid: the
// least a job runner can do, the floor of the "true" section.
const floorC = `#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
extern char **environ;
int main(int argc, char **argv) {
	if (argc < 4) { fprintf(stderr, "usage: floor N P program [args...]\n"); return 2; }
	int n = atoi(argv[1]), p = atoi(argv[2]), started = 0, running = 0;
	while (started < n || running > 0) {
		while (running < p && started < n) {
			pid_t pid;
			if (posix_spawnp(&pid, argv[3], NULL, NULL, argv + 3, environ) != 0) { perror("posix_spawnp"); return 1; }
			running++, started++;
		}
		int status;
		if (waitpid(-1, &status, 0) > 0) running--;
	}
	return 0;
}
`

// floor compiles floorC once; it returns the program, or "" and why not.
func (b *bench) floor() (string, string) {
	if b.floorProg != "" || b.floorWhy != "" {
		return b.floorProg, b.floorWhy
	}
	cc, err := exec.LookPath("cc")
	if err != nil {
		b.floorWhy = "no C compiler (cc) to build it with (Debian: apt-get install gcc)"
		return "", b.floorWhy
	}
	src := filepath.Join(b.dir, "floor.c")
	prog := filepath.Join(b.dir, "floor")
	if err := os.WriteFile(src, []byte(floorC), 0o666); err != nil {
		b.floorWhy = err.Error()
		return "", b.floorWhy
	}
	if out, err := exec.Command(cc, "-O2", "-o", prog, src).CombinedOutput(); err != nil {
		b.floorWhy = fmt.Sprintf("cc failed: %v: %s", err, out)
		return "", b.floorWhy
	}
	b.floorProg = prog
	return prog, ""
}

// concurrency: N × sleep 2 all at once, against xargs -P N, for N of 1,000,
// 2,000 and 5,000: wall time, expool's own CPU time, and how far the
// durations expool reports are from 2 s.
func (b *bench) concurrency() {
	b.printf("## Thousands of jobs at once: N × `sleep 2` on N workers\n\n")
	script := b.script("concurrent.lua", `local n = tonumber(arg[1])
local p = ExecPool(n)
local worst = 0
for i = 1, n do
  p:execute(Job{name="s" .. i, args={"sleep", "2"}, onfinish=function(j)
    assert(j.status == "done", j.error)
    worst = math.max(worst, math.abs(j.duration - 2))
  end})
end
p:join()
print(string.format("%.6f", worst))
`)
	runs := max(3, b.runs/2)
	b.printf("%d runs of each, alternating. expool's CPU time is its own (user and system), its jobs' excluded.\n\n", runs)
	b.printf("| N | expool (median wall) | xargs -P N (median wall) | expool / xargs | expool's CPU time | per job | worst `duration` − 2 s |\n|---|---|---|---|---|---|---|\n")
	var perJob []float64
	allMet := true
	for _, n := range []int{1000, 2000, 5000} {
		cmds := []command{{name: "expool", argv: []string{b.expool, script, strconv.Itoa(n)}}}
		if b.have["xargs"] {
			cmds = append(cmds, command{name: "xargs", argv: []string{"xargs", "-P", strconv.Itoa(n), "-n1", "sleep"}, stdin: strings.Repeat("2\n", n)})
		}
		saved := b.runs
		b.runs = runs
		res := b.compare(cmds...)
		b.runs = saved
		e := median(walls(res["expool"]))
		cpu := median(cpus(res["expool"]))
		var worst []float64
		for _, m := range res["expool"] {
			f, _ := strconv.ParseFloat(strings.TrimSpace(m.stdout), 64)
			worst = append(worst, f*1000)
		}
		w := slices.Max(worst)
		perJob = append(perJob, float64(cpu.Microseconds())/float64(n))
		row := fmt.Sprintf("| %d | %s | ", n, ms(e))
		if x, ok := res["xargs"]; ok {
			r := ratio(e, median(walls(x)))
			allMet = allMet && r <= 1.1
			row += fmt.Sprintf("%s | **%.2f** |", ms(median(walls(x))), r)
		} else {
			row += "– | – |"
		}
		allMet = allMet && w <= 50
		b.printf("%s %s | %.0f µs | %.1f ms |\n", row, ms(cpu), perJob[len(perJob)-1], w)
	}
	b.printf("\n- expool / xargs ≤ 1.1 and the worst reported duration within 50 ms of 2 s, at every N: %s\n", verdict(allMet))
	growth := perJob[len(perJob)-1] / perJob[0]
	b.printf("- expool's CPU time per job at 5,000 against 1,000 at once: **%.2f** (linear in the number of jobs if near 1: %s)\n\n",
		growth, verdict(growth <= 1.5))
}

// overshoot: 10,000 jobs on 50 workers, each killed by its 50 ms timeout:
// how far past its timeout each one ended, by the durations expool reports.
func (b *bench) overshoot() {
	b.printf("## Timeouts by the thousand: 10,000 × `sleep 10` with a 50 ms timeout, 50 workers\n\n")
	script := b.script("overshoot.lua", `local p = ExecPool(50)
for i = 1, 10000 do
  p:execute(Job{name="t" .. i, args={"sleep", "10"}, timeout=0.05, onfinish=function(j)
    assert(j.status == "timeout", j.status)
    print(string.format("%.6f", j.duration - 0.05))
  end})
end
p:join()
`)
	saved := b.runs
	b.runs = max(1, b.runs/3)
	res := b.compare(command{name: "expool", argv: []string{b.expool, script}})
	runs := b.runs
	b.runs = saved
	var over []float64
	for _, m := range res["expool"] {
		for _, line := range strings.Fields(m.stdout) {
			f, _ := strconv.ParseFloat(line, 64)
			over = append(over, f*1000)
		}
	}
	if len(over) == 0 {
		b.printf("No job reported (see the harness's stderr).\n\n")
		return
	}
	slices.Sort(over)
	p := func(q float64) float64 { return over[min(len(over)-1, int(q*float64(len(over))))] }
	b.printf("From each job's `duration` (its process's start to its end, seen before its group is reaped), %d jobs over %d runs; "+
		"median wall time of a run %s.\n\n", len(over), runs, ms(median(walls(res["expool"]))))
	b.printf("| p50 | p99 | p99.9 | max |\n|---|---|---|---|\n| %.2f ms | %.2f ms | %.2f ms | %.2f ms |\n\n", p(0.5), p(0.99), p(0.999), over[len(over)-1])
	b.printf("- p99 of the overshoot: **%.2f ms** (target ≤ 2 ms: %s)\n\n", p(0.99), verdict(p(0.99) <= 2))
}

// pipe: 500 jobs writing 1 MiB each, captured with PIPE, against the same
// written to files.
func (b *bench) pipe() {
	b.printf("## PIPE at the speed of files: 500 × 1 MiB, 2 workers\n\n")
	piped := b.script("piped.lua", `local p = ExecPool(2)
local total = 0
for i = 1, 500 do
  p:execute(Job{name="j" .. i, args={"head", "-c", "1048576", "/dev/zero"}, stdout=PIPE,
    ondone=function(j) total = total + #j.output end})
end
p:join()
assert(total == 500 * 1048576)
`)
	filed := b.script("filed.lua", `local p = ExecPool(2)
for i = 1, 500 do
  p:execute(Job{name="j" .. i, args={"head", "-c", "1048576", "/dev/zero"}, stdout="out/" .. i})
end
p:join()
os.execute("rm -r out")
`)
	res := b.compare(command{name: "PIPE", argv: []string{b.expool, piped}}, command{name: "files", argv: []string{b.expool, filed}})
	b.printf("| contender | median wall | spread | expool's CPU time (median) |\n|---|---|---|---|\n")
	for _, name := range []string{"PIPE", "files"} {
		b.printf("%s %s |\n", b.row(name, res[name]), ms(median(cpus(res[name]))))
	}
	r := ratio(median(walls(res["PIPE"])), median(walls(res["files"])))
	b.printf("\n- PIPE / files: **%.2f** (target ≤ 1.2: %s); the files run removes its files in the script, inside the time\n\n", r, verdict(r <= 1.2))
}

func cpus(ms []measurement) []time.Duration {
	var d []time.Duration
	for _, m := range ms {
		d = append(d, m.cpu)
	}
	return d
}
