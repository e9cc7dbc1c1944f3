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

// timeoutFloorC runs N × a program, P at once, each sent SIGTERM TIMEOUT_MS
// after posix_spawnp returned (once it has exec'd), in one thread that
// sleeps in ppoll until the next timeout or SIGCHLD: the least a job runner
// with timeouts can do. It prints, for each process, how long after its
// timeout its exit was seen, in ms: the floor of the "overshoot" section.
const timeoutFloorC = `#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}
int main(int argc, char **argv) {
	if (argc < 5) { fprintf(stderr, "usage: timeout-floor N P TIMEOUT_MS program [args...]\n"); return 2; }
	int n = atoi(argv[1]), p = atoi(argv[2]), started = 0, running = 0;
	double timeout = atof(argv[3]) / 1e3;
	pid_t *pid = calloc(p, sizeof *pid);
	double *start = calloc(p, sizeof *start);
	char *killed = calloc(p, 1);
	sigset_t chld, none;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	int sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	while (started < n || running > 0) {
		for (int i = 0; i < p && started < n; i++) {
			if (pid[i]) continue;
			if (posix_spawnp(&pid[i], argv[4], NULL, &attr, argv + 4, environ) != 0) { perror("posix_spawnp"); return 1; }
			start[i] = now(), killed[i] = 0, running++, started++;
		}
		double t = now(), next = -1;
		for (int i = 0; i < p; i++) {
			if (!pid[i] || killed[i]) continue;
			if (start[i] + timeout <= t) kill(pid[i], SIGTERM), killed[i] = 1;
			else if (next < 0 || start[i] + timeout < next) next = start[i] + timeout;
		}
		int status, reaped = 0;
		pid_t w;
		while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
			double seen = now();
			for (int i = 0; i < p; i++) if (pid[i] == w) {
				printf("%.6f\n", (seen - start[i] - timeout) * 1e3);
				pid[i] = 0, running--, reaped = 1;
			}
		}
		if (reaped) continue;
		struct pollfd pf = {sfd, POLLIN, 0};
		struct timespec ts, *tp = NULL;
		if (next >= 0) {
			double d = next - now();
			if (d < 0) d = 0;
			ts.tv_sec = (time_t)d, ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9), tp = &ts;
		}
		if (ppoll(&pf, 1, tp, NULL) > 0) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) == sizeof si) {}
		}
	}
	return 0;
}
`

// floor compiles floorC once; it returns the program, or "" and why not.
func (b *bench) floor() (string, string) { return b.compileC("floor", floorC) }

// timeoutFloor compiles timeoutFloorC once; it returns the program, or ""
// and why not.
func (b *bench) timeoutFloor() (string, string) { return b.compileC("timeout-floor", timeoutFloorC) }

// compileC compiles the C program src as name, once; it returns the program,
// or "" and why not.
func (b *bench) compileC(name, src string) (string, string) {
	if c, ok := b.compiled[name]; ok {
		return c.prog, c.why
	}
	var c compiled
	defer func() { b.compiled[name] = c }()
	cc, err := exec.LookPath("cc")
	if err != nil {
		c.why = "no C compiler (cc) to build it with (Debian: apt-get install gcc)"
		return "", c.why
	}
	file := filepath.Join(b.dir, name+".c")
	prog := filepath.Join(b.dir, name)
	if err := os.WriteFile(file, []byte(src), 0o666); err != nil {
		c.why = err.Error()
		return "", c.why
	}
	if out, err := exec.Command(cc, "-O2", "-o", prog, file).CombinedOutput(); err != nil {
		c.why = fmt.Sprintf("cc failed: %v: %s", err, out)
		return "", c.why
	}
	c.prog = prog
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

// overshoot: 10,000 × sleep 10 with a 50 ms timeout on 50 workers, each
// job's duration past its timeout, against the C timeout floor doing the
// same.
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
	const floorName = "C loop: posix_spawnp, SIGTERM at the timeout, ppoll (the floor)"
	cmds := []command{{name: "expool", argv: []string{b.expool, script}}}
	floor, why := b.timeoutFloor()
	if floor != "" {
		cmds = append(cmds, command{name: floorName, argv: []string{floor, "10000", "50", "50", "sleep", "10"}})
	}
	saved := b.runs
	b.runs = max(1, b.runs/3)
	res := b.compare(cmds...)
	runs := b.runs
	b.runs = saved
	b.printf("How long after its timeout each job's end was seen, from its `duration` (its process's start to its end, seen before its group is reaped) for expool, "+
		"from the same two moments for the C floor (posix_spawnp's return, after the exec, and waitpid); %d runs of each, alternating.\n\n", runs)
	b.printf("| contender | jobs | p50 | p99 | p99.9 | max | median wall of a run |\n|---|---|---|---|---|---|---|\n")
	p99 := map[string]float64{}
	for _, c := range cmds {
		var over []float64
		for _, m := range res[c.name] {
			for _, line := range strings.Fields(m.stdout) {
				f, _ := strconv.ParseFloat(line, 64)
				if c.name == "expool" {
					f *= 1000 // seconds
				}
				over = append(over, f)
			}
		}
		if len(over) == 0 {
			b.printf("| %s | none reported (see the harness's stderr) | | | | | |\n", c.name)
			continue
		}
		slices.Sort(over)
		p := func(q float64) float64 { return over[min(len(over)-1, int(q*float64(len(over))))] }
		p99[c.name] = p(0.99)
		b.printf("| %s | %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %s |\n", c.name, len(over), p(0.5), p(0.99), p(0.999), over[len(over)-1], ms(median(walls(res[c.name]))))
	}
	b.printf("\n")
	if e, ok := p99["expool"]; ok {
		b.printf("- p99 of the overshoot: **%.2f ms** (target ≤ 2 ms: %s)\n", e, verdict(e <= 2))
		if f, ok := p99[floorName]; ok {
			b.printf("- p99 of expool / p99 of the C floor: %.2f\n", e/f)
		}
	}
	if floor == "" {
		b.printf("- no C floor: %s\n", why)
	}
	b.printf("\n")
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
