package pool

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// The file descriptors of running jobs. A running attempt holds the read end
// of each of its PIPEs (and of the relay's pipes, while the progress line is
// drawn), and whatever its launcher holds for it (FDHolder);
// with thousands of jobs at once they add up to the process's limit
// (RLIMIT_NOFILE, whose soft limit Go raises to the hard one when expool
// starts; jobs get the original). Rather than fail the jobs that would cross
// it, a pool keeps them queued until others have ended, and the loop says so
// once on stderr.

// FDHolder is a Launcher that holds file descriptors for each process it
// runs, as long as it runs.
type FDHolder interface {
	Launcher
	FDsPerProcess() int
}

// FDReserver is a Launcher that may hold up to FDsReserved file descriptors
// besides those of its processes (the local launcher's memory sampler,
// which keeps files of /proc open): the budget leaves them out.
type FDReserver interface {
	Launcher
	FDsReserved() int
}

// fdReserve is what the budget leaves for the rest of expool: the files of
// Lua's io library, the job log, and what a start opens for a moment (its
// outputs' pipes and files, before the process has its copies).
const fdReserve = 64

// fdBudget counts the file descriptors that running attempts hold.
type fdBudget struct {
	limit  int // what they may hold together
	held   int
	warned bool
}

func newFDBudget(launcher Launcher) fdBudget {
	var rl syscall.Rlimit
	limit := 1 << 20
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && uint64(rl.Cur) < uint64(limit) {
		limit = int(rl.Cur)
	}
	open := 16
	if fds, err := os.ReadDir("/dev/fd"); err == nil {
		open = len(fds)
	}
	reserved := fdReserve
	if r, ok := launcher.(FDReserver); ok {
		reserved += r.FDsReserved()
	}
	return fdBudget{limit: limit - open - reserved}
}

// fits reports whether an attempt that holds need more may start. When none
// is held, any may: it may fail, but nothing would end to make room.
func (b *fdBudget) fits(need int) bool {
	return need == 0 || b.held == 0 || b.held+need <= b.limit
}

// fdsOf is what an attempt of j holds while it runs: the read end of each
// PIPE, and of each pipe the relay gives an inherited stream, and what the
// launcher holds.
func (l *Loop) fdsOf(j *Job, launcher Launcher) int {
	n := 0
	stdout, stderr := j.OutputDests()
	for _, d := range []Dest{stdout, stderr} {
		if d.Kind == DestPipe || d.Kind == DestInherit && l.Relay != nil {
			n++
		}
	}
	if h, ok := launcher.(FDHolder); ok {
		n += h.FDsPerProcess()
	}
	return n
}

// warnFDs says, once, why a pool runs fewer jobs than it has workers.
func (l *Loop) warnFDs(p *Pool) {
	if l.fds.warned {
		return
	}
	l.fds.warned = true
	var rl syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	why := "one per PIPE"
	if l.Relay != nil {
		why = "one per PIPE and, while the progress line is drawn, one per stream it does not redirect"
	}
	if h, ok := p.launcher().(FDHolder); ok && h.FDsPerProcess() > 0 {
		why += fmt.Sprintf(", and %d more for its launcher", h.FDsPerProcess())
	}
	var w io.Writer = l.Stderr
	if l.Notices != nil {
		w = l.Notices
	}
	fmt.Fprintf(w, "expool: pool %q runs %d jobs at once, not %d: the others wait for file descriptors "+
		"(each running job holds %s, and the open-file limit, ulimit -n, is %d)\n",
		p.Name, p.busy, p.Workers, why, rl.Cur)
}
