package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/creack/pty"
)

func init() {
	sections = append(sections, section{"progress", (*bench).progress})
}

// progress: 2,000 jobs printing a line each to the terminal, with the
// progress line drawn (each line relayed by expool above it) and without.
func (b *bench) progress() {
	b.printf("## The progress line: 2,000 jobs printing a line each, on a terminal\n\n")
	script := b.script("lines.lua", `local p = ExecPool(2)
for i = 1, 2000 do p:execute(Job{name="l" .. i, args={"echo", "line", i}}) end
p:join()
`)
	on := []string{b.expool, "--progress", script}
	off := []string{b.expool, "--no-progress", script}
	var walls, cpus [2][]time.Duration
	var shown [2][]int64
	for r := 0; r < b.runs; r++ {
		for i := range 2 {
			k := (i + r) % 2
			argv := [][]string{on, off}[k]
			wall, cpu, n, err := onTerminal(b.dir, argv)
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench: progress: %v\n", err)
				return
			}
			walls[k] = append(walls[k], wall)
			cpus[k] = append(cpus[k], cpu)
			shown[k] = append(shown[k], n)
		}
	}
	b.printf("stdout and stderr on one pseudo-terminal, which the harness reads as fast as it can.\n\n")
	b.printf("| contender | median wall | spread | expool's CPU time (median) | bytes to the terminal |\n|---|---|---|---|---|\n")
	for k, name := range []string{"expool --progress", "expool --no-progress"} {
		lo, hi := spread(walls[k])
		b.printf("| %s | %s | %s – %s | %s | %d |\n", name, ms(median(walls[k])), ms(lo), ms(hi), ms(median(cpus[k])), median(shown[k]))
	}
	e, o := median(walls[0]), median(walls[1])
	ce, co := median(cpus[0]), median(cpus[1])
	b.printf("\n- with / without the progress line: **%.2f** in wall time, %.2f in expool's CPU time (user + system, its jobs' excluded): "+
		"%.0f µs of wall time and %.0f µs of CPU time per line of output, for passing it on above the line\n\n",
		ratio(e, o), ratio(ce, co), float64((e-o).Microseconds())/2000, float64((ce-co).Microseconds())/2000)
}

// onTerminal runs argv with its stdout and stderr on a new pseudo-terminal,
// reads the terminal until argv exits, and returns the wall time, argv's own
// CPU time (its jobs' excluded) and the bytes the terminal received.
func onTerminal(dir string, argv []string) (wall, cpu time.Duration, shown int64, err error) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return 0, 0, 0, err
	}
	defer ptmx.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = tty, tty
	read := make(chan int64)
	go func() {
		n, _ := io.Copy(io.Discard, ptmx) // ends with EIO once the command has exited
		read <- n
	}()
	begin := time.Now()
	err = cmd.Start()
	tty.Close()
	if err == nil {
		cpu, err = ownCPU(cmd.Process.Pid)
		if werr := cmd.Wait(); err == nil {
			err = werr
		}
	}
	wall = time.Since(begin)
	ptmx.Close()
	shown = <-read
	return wall, cpu, shown, err
}
