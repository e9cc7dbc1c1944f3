package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"expool/internal/slurmtest"
)

func init() { sections = append(sections, section{"slurm", (*bench).slurm}) }

// slurmJobs is how many `true` jobs go through srun in each contender.
const slurmJobs = 200

// slurm: on the local one-node Slurm (tests/slurm/start.sh), side by side,
// 200 × true through expool's Slurm launcher, a shell loop of srun and GNU
// parallel calling srun; the timeout's overshoot of a sleep under Slurm
// against the local launcher's; the per-job overhead expool adds to srun.
func (b *bench) slurm() {
	b.printf("## On Slurm: 200 × `true` through srun, and timeouts\n\n")
	if err := slurmtest.Available(); err != nil {
		b.printf("Skipped: %v.\n\n", err)
		fmt.Fprintf(os.Stderr, "bench: slurm: %v\n", err)
		return
	}
	// A sequential run of 200 sruns takes some 15 s: fewer runs than the
	// other sections.
	saved := b.runs
	b.runs = min(b.runs, 3)
	defer func() { b.runs = saved }()

	trueScript := b.script("slurm-true.lua", `local p = ExecPool()
for i = 1, `+strconv.Itoa(slurmJobs)+` do p:execute(Job{name="t" .. i, args={"true"}}) end
p:join()
`)
	seq := seqLines(slurmJobs)
	loop := fmt.Sprintf("for i in $(seq %d); do srun --quiet true; done", slurmJobs)
	cmds := []command{
		{name: "expool -j1 --launcher slurm", argv: []string{b.expool, "-j", "1", "--launcher", "slurm", trueScript}},
		{name: "shell loop of srun", argv: []string{"sh", "-c", loop}},
		{name: "expool -j8 --launcher slurm", argv: []string{b.expool, "-j", "8", "--launcher", "slurm", trueScript}},
	}
	if b.have["parallel"] {
		cmds = append(cmds, command{name: "parallel -j8 srun true", argv: []string{"parallel", "--will-cite", "-j8", "srun", "--quiet", "true"}, stdin: seq})
	}
	res := b.compare(cmds...)
	b.printf("%d runs each, alternating. The one-node Slurm of tests/slurm/start.sh, on this machine.\n\n", b.runs)
	b.printf("| contender | median wall | spread | per job |\n|---|---|---|---|\n")
	for _, c := range cmds {
		m := median(walls(res[c.name]))
		b.printf("%s %s |\n", b.row(c.name, res[c.name]), ms(m/slurmJobs))
	}
	one, loopWall := median(walls(res[cmds[0].name])), median(walls(res[cmds[1].name]))
	b.printf("\n- the overhead expool adds on top of srun, one job at a time against the shell loop: **%s per job** (%s / %s)\n",
		ms((one-loopWall)/slurmJobs), ms(one), ms(loopWall))
	if p, ok := res["parallel -j8 srun true"]; ok {
		e := median(walls(res[cmds[2].name]))
		b.printf("- 8 at a time, GNU parallel / expool: **%.2f**\n", ratio(median(walls(p)), e))
	}

	// The timeout's overshoot, from each job's start to its end, reaped: a
	// sleep with a 0.5 s timeout, 10 at once, on each launcher.
	timed := b.script("slurm-timed.lua", `local p = ExecPool(10)
local over = {}
for i = 1, 10 do p:execute(Job{name="t" .. i, args={"sleep", "30"}, timeout=0.5,
  onfinish=function(j) over[#over + 1] = j.duration - 0.5 end}) end
p:join()
table.sort(over)
print(string.format("%.6f", (over[5] + over[6]) / 2))
`)
	over := map[string][]float64{}
	tcmds := []command{
		{name: "local", argv: []string{b.expool, "--launcher", "local", timed}},
		{name: "slurm", argv: []string{b.expool, "--launcher", "slurm", timed}},
	}
	for name, ms := range b.compare(tcmds...) {
		for _, m := range ms {
			f, _ := strconv.ParseFloat(strings.TrimSpace(m.stdout), 64)
			over[name] = append(over[name], f*1000)
		}
	}
	l, s := median(over["local"]), median(over["slurm"])
	b.printf("- the timeout's overshoot, `sleep 30` with a 0.5 s timeout, 10 at once, from the job's start "+
		"(its task's, on Slurm) to its end: local **%.1f ms**, Slurm **%.1f ms** (medians; goal: Slurm within 50 ms of local: %s). "+
		"On Slurm the SIGTERM goes through scancel, and the end through slurmstepd and srun.\n\n",
		l, s, verdict(s-l <= 50))
}
