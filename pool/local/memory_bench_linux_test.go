//go:build !expool_portable

package local

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSample200 is one tick of the sampler over 200 running jobs of
// one process each: expool's children read, and each job's memory summed.
// The "%core@10Hz" metric is what the default memsample of 0.1 s costs.
func BenchmarkSample200(b *testing.B) {
	l := New()
	defer l.Close()
	var ts []*tracked
	var leads []int
	for i := range 200 {
		cmd := exec.Command("sleep", "600")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer cmd.Wait()
		defer cmd.Process.Kill()
		ts = append(ts, &tracked{attempt: uint64(i + 1), lead: cmd.Process.Pid, report: func(int64) {}, procs: map[int]*procFiles{}})
		leads = append(leads, cmd.Process.Pid)
	}
	w := newWalker(l)
	defer w.close()
	tick := func() {
		w.adopt(leads)
		for _, t := range ts {
			w.sample(t)
		}
	}
	tick() // the files are opened once, at the first sample
	b.ResetTimer()
	cpu := cpuTime()
	for range b.N {
		tick()
	}
	// CPU time rather than wall time: the machine may be busy.
	perTick := (cpuTime() - cpu) / time.Duration(b.N)
	b.ReportMetric(float64(perTick.Microseconds()), "µs-cpu/tick")
	b.ReportMetric(float64(perTick)/float64(time.Second/10)*100, "%core@10Hz")
}

// cpuTime is the process's CPU time, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
