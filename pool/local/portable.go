//go:build unix && (!linux || expool_portable)

package local

import (
	"io"
	"runtime"
	"strconv"
	"time"

	"expool/pool"
)

// Portable reports whether this is the portable launcher, with no more than
// POSIX allows. This one is: macOS's, FreeBSD's, and Linux's when built with
// the tag expool_portable.
//
//   - every job leads a process group of its own, which Signal signals;
//   - once the lead process has exited and is reaped, whatever is left of
//     its group is killed with SIGKILL;
//   - the watchdog is told of each job's group as the job starts and ends,
//     and if expool dies without closing the launcher, it kills the groups of
//     the jobs that had not ended.
//
// What it cannot do: expool is no subreaper (a job's orphaned descendants go
// to init, whose to reap them), a job's main process does not die with expool
// (no Pdeathsig: the watchdog kills it), the group is killed after its lead
// process is reaped (its id could in theory be reused in between), and
// descendants that leave their job's group are not followed.
const Portable = true

// sys is what the platform adds to a Launcher: nothing here.
type sys struct{}

// procSys is what the platform adds to a process: when it started.
type procSys struct{ started time.Time }

func (l *Launcher) setUp() {}

// FDsPerProcess is what the launcher holds for each running process
// (pool.FDHolder): on Linux, the pidfd that Go's os.Process keeps (Go 1.23);
// elsewhere none.
func (l *Launcher) FDsPerProcess() int {
	if runtime.GOOS == "linux" {
		return 1
	}
	return 0
}

// start starts p's process and tells the watchdog of its group.
func (l *Launcher) start(p *process) error {
	if err := p.cmd.Start(); err != nil {
		return err
	}
	p.pid = p.cmd.Process.Pid
	p.sys.started = time.Now()
	l.tellWatchdog("+" + strconv.Itoa(p.pid))
	l.sample(p)
	return nil
}

// waitGroup reaps the lead process, kills what is left of its group, tells
// the watchdog that the group has ended, and reports how the lead process
// ended.
func (l *Launcher) waitGroup(p *process) (pool.Exit, error) {
	err := p.cmd.Wait()
	l.untrack(p.attempt)
	p.endGroup()
	l.tellWatchdog("-" + strconv.Itoa(p.pid))
	return cmdExit(p.cmd, err)
}

// startTime is when Start returned: the process has exec'd its program.
func (p *process) startTime() time.Time { return p.sys.started }

func (l *Launcher) tearDown() {}

// killMarked finds no marked process: that needs Linux's /proc.
func killMarked(expool int) {}

// tellWatchdog writes a line to the watchdog, if there is one.
func (l *Launcher) tellWatchdog(line string) {
	w := &l.watchdog
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pipe != nil {
		io.WriteString(w.pipe, line+"\n")
	}
}
