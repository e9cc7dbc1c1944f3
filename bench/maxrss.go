package main

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

func init() { sections = append(sections, section{"maxrss", (*bench).maxrss}) }

// maxrss: the maxrss expool reports for a job, from a script that holds a
// big Lua table, against /usr/bin/time's for the same command.
func (b *bench) maxrss() {
	b.printf("## A job's maxrss is its own: expool holding a big table, against `/usr/bin/time`\n\n")
	if _, err := exec.LookPath("/usr/bin/time"); err != nil {
		b.printf("No /usr/bin/time (Debian: apt-get install time): nothing to compare with.\n\n")
		return
	}
	cmds := [][]string{{"true"}}
	if b.have["python3"] {
		cmds = append(cmds, []string{realPython(), "-c", "b = b'x' * (64 << 20)"})
	}
	const runs = 5
	var src strings.Builder
	src.WriteString("local big = {} for i = 1, 3e6 do big[i] = i end\nlocal p = ExecPool(1)\nlocal cmds = {\n")
	for _, c := range cmds {
		src.WriteString("  {")
		for _, a := range c {
			fmt.Fprintf(&src, "%q, ", a)
		}
		src.WriteString("},\n")
	}
	fmt.Fprintf(&src, "}\nfor r = 1, %d do for i, c in ipairs(cmds) do\n", runs)
	src.WriteString("  p:execute(Job{name=i .. \"-\" .. r, args=c, ondone=function(j) print(i .. \" \" .. j.rusage.maxrss) end})\n")
	src.WriteString("end end\np:join()\n")
	script := b.script("maxrss.lua", src.String())
	m := b.exec(command{name: "expool", argv: []string{b.expool, script}})
	got := make([][]int64, len(cmds))
	for _, line := range strings.Split(strings.TrimSpace(m.stdout), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		i, _ := strconv.Atoi(f[0])
		kib, _ := strconv.ParseInt(f[1], 10, 64)
		if i >= 1 && i <= len(cmds) {
			got[i-1] = append(got[i-1], kib)
		}
	}
	b.printf("The script holds `big[i] = i` for 3e6 entries (expool's own maxrss: %d KiB), then runs each command %d times, one at a time; "+
		"`/usr/bin/time -f %%M` runs the same command %d times. Medians, spread in brackets.\n\n", m.maxrss, runs, runs)
	b.printf("| command | expool's `rusage.maxrss` | `/usr/bin/time` | expool / time |\n|---|---|---|---|\n")
	allMet := true
	for i, c := range cmds {
		var oracle []int64
		for range runs {
			out, err := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", "/dev/stdout"}, c...)...).Output()
			if kib, perr := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil && perr == nil {
				oracle = append(oracle, kib)
			}
		}
		if len(got[i]) == 0 || len(oracle) == 0 {
			b.printf("| `%s` | – | – | no figures (see the harness's stderr) |\n", strings.Join(c, " "))
			allMet = false
			continue
		}
		r := float64(median(got[i])) / float64(median(oracle))
		met := r >= 0.95 && r <= 1.05
		if c[0] == "true" {
			// A few hundred KiB: the kernel's per-CPU counting of resident pages
			// and time's own fork make both numbers inexact (RELIABILITY.md).
			met = median(got[i]) < 4096
		}
		allMet = allMet && met
		lo, hi := minMax(got[i])
		olo, ohi := minMax(oracle)
		b.printf("| `%s` | %d KiB [%d – %d] | %d KiB [%d – %d] | **%.2f** |\n", shortCommand(c), median(got[i]), lo, hi, median(oracle), olo, ohi, r)
	}
	b.printf("\n- within 5%% of `/usr/bin/time` (for `true`, which holds about 1 MiB, under 4 MiB: not expool's hundreds): %s\n\n", verdict(allMet))
}

func minMax(xs []int64) (int64, int64) {
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// shortCommand shows c with its program's base name.
func shortCommand(c []string) string {
	c = append([]string(nil), c...)
	if i := strings.LastIndexByte(c[0], '/'); i >= 0 {
		c[0] = c[0][i+1:]
	}
	return strings.Join(c, " ")
}
