//go:build unix

package local

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The watchdog is a process that cleans up after expool when expool cannot:
// when it is killed with SIGKILL, say. The launcher starts it (with its
// Watchdog command) before the first job, in a process group of its own, its
// stdin a pipe from expool. When that pipe ends without expool saying
// goodbye, expool is gone, and the watchdog kills what it left:
//
//   - on Linux, every process that carries expool's AttemptEnv mark, with its
//     process group (killMarked): the jobs, what they left in their groups,
//     and their escapees. Pdeathsig already killed each job's main process;
//     the watchdog gets the rest.
//   - with the portable launcher, the process groups of the jobs that had not
//     ended: expool tells it of each group as the job starts ("+PGID") and
//     once its lead process is reaped and the group killed ("-PGID").

const watchdogBye = "bye"

// watchdog is the launcher's watchdog process and expool's end of its stdin.
type watchdog struct {
	mu   sync.Mutex // the portable launcher writes to pipe from Wait's goroutines (tellWatchdog)
	cmd  *exec.Cmd
	pipe *os.File
}

// startWatchdog starts l.Watchdog, once, if set; a watchdog that cannot start
// is not fatal (on Linux, Pdeathsig still holds).
func (l *Launcher) startWatchdog() {
	w := &l.watchdog
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(l.Watchdog) == 0 || w.cmd != nil {
		return
	}
	r, pipe, err := os.Pipe()
	if err != nil {
		return
	}
	cmd := exec.Command(l.Watchdog[0], append(l.Watchdog[1:], strconv.Itoa(l.pid))...)
	cmd.Stdin = r
	// Its own group: a signal to expool's group (Ctrl-C) must not reach it.
	// No Pdeathsig: it is there for expool's death.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	r.Close()
	if err != nil {
		pipe.Close()
		return
	}
	w.cmd, w.pipe = cmd, pipe
}

// stopWatchdog says goodbye to the watchdog and reaps it.
func (l *Launcher) stopWatchdog() {
	w := &l.watchdog
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd == nil {
		return
	}
	io.WriteString(w.pipe, watchdogBye+"\n")
	w.pipe.Close()
	w.cmd.Wait()
	w.cmd, w.pipe = nil, nil
}

// Watchdog is the watchdog process's work: it reads r, its stdin, until it
// ends; unless expool said goodbye first, it then kills what the expool
// whose pid is expool left (see above). The command given as
// Launcher.Watchdog must run it.
func Watchdog(expool int, r io.Reader) {
	groups := map[int]bool{}
	lines := bufio.NewScanner(r)
	for lines.Scan() {
		line := lines.Text()
		if line == watchdogBye {
			return
		}
		if len(line) < 2 || line[0] != '+' && line[0] != '-' {
			continue
		}
		if pgid, err := strconv.Atoi(line[1:]); err == nil && pgid > 0 {
			groups[pgid] = line[0] == '+'
		}
	}
	for pgid, alive := range groups {
		if alive {
			_ = unix.Kill(-pgid, unix.SIGKILL)
		}
	}
	killMarked(expool)
}
