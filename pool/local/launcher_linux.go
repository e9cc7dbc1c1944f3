//go:build !expool_portable

package local

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Portable reports whether this is the portable launcher, with no more than
// POSIX allows. This one is Linux's:
//
//   - expool is a child subreaper (PR_SET_CHILD_SUBREAPER): a job's descendants
//     whose parent died are re-parented to expool rather than to init, so that
//     Wait can reap those of the job's group, and none stays a zombie, even
//     where init does not reap orphans;
//   - every job is forked from one OS thread that lives as long as expool, with
//     Pdeathsig SIGKILL: if expool dies, even of SIGKILL, the kernel kills
//     each job's main process;
//   - the group of a job is killed while its lead process is a zombie, which
//     reserves the group id: the kill cannot hit a stranger's group;
//   - every job's environment holds AttemptEnv, which its descendants
//     inherit: those that leave the job's process group (setsid) and are
//     adopted by expool are killed when the attempt they came from ends (see
//     sweep), and every marked child left is killed when expool closes the
//     launcher;
//   - if expool dies without closing it, the watchdog kills whatever carries
//     its mark (see killMarked).
const Portable = false

// sys is what Linux adds to a Launcher: the bookkeeping of the sweep.
type sys struct {
	self    processIDs // expool's own
	sweepMu sync.Mutex // one sweep at a time

	mu         sync.Mutex      // guards the fields below
	running    map[uint64]bool // attempts whose process group may be alive
	leaders    map[int]bool    // pids of the lead processes not reaped yet
	lastSweep  time.Time
	sweepTimer *time.Timer // a sweep to come
	closed     bool
}

func (l *Launcher) setUp() {
	// Failure is not fatal: the kernel may be older than 3.4 or forbid it, and
	// then orphans go to init as they would without expool.
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	startForker()
	l.sys = sys{
		self:    processIDs{pid: l.pid, pgid: unix.Getpgrp(), sid: getsid()},
		running: map[uint64]bool{},
		leaders: map[int]bool{},
	}
}

// start forks p's process from the forker thread. Its attempt counts as
// running from before the fork, so that no sweep takes an escapee of it
// for one of an ended attempt.
func (l *Launcher) start(p *process) error {
	p.cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	s := &l.sys
	s.mu.Lock()
	s.running[p.attempt] = true
	s.mu.Unlock()
	err := fork(p.cmd)
	s.mu.Lock()
	if err != nil {
		delete(s.running, p.attempt)
	} else {
		p.pid = p.cmd.Process.Pid
		s.leaders[p.pid] = true
	}
	s.mu.Unlock()
	return err
}

// waitGroup waits for the lead process to exit without reaping it: while it
// is a zombie its pid, and so the group id, cannot be reused, so killing the
// group cannot hit a stranger. Then it reaps the lead and the group, and has
// the escapees of ended attempts swept.
func (l *Launcher) waitGroup(p *process) error {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			break
		}
	}
	p.endGroup()
	err := p.cmd.Wait()
	reapGroup(p.pid)
	s := &l.sys
	s.mu.Lock()
	delete(s.leaders, p.pid)
	delete(s.running, p.attempt)
	s.mu.Unlock()
	l.sweepSoon()
	return err
}

// tearDown kills and reaps every child of expool that carries this
// launcher's mark, and every zombie child that left expool's process group:
// after it, no job's process is left.
func (l *Launcher) tearDown() {
	s := &l.sys
	s.mu.Lock()
	s.closed = true
	if s.sweepTimer != nil {
		s.sweepTimer.Stop()
	}
	s.mu.Unlock()
	l.sweep(true)
}

// reapGroup reaps every child of expool left in process group pgid, blocking
// until each has died. A job's descendants whose parent died before them are
// expool's children (it is a subreaper), so none of them stays a zombie.
func reapGroup(pgid int) {
	for {
		_, err := unix.Wait4(-pgid, nil, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil { // ECHILD: no child of ours is left in the group
			return
		}
	}
}

// The forker is one goroutine locked to its OS thread for the life of the
// process: the kernel sends Pdeathsig when the thread that forked a child
// ends, not the process, and Go may end other threads at any time.
var (
	forkerOnce sync.Once
	forks      chan forkRequest
)

type forkRequest struct {
	cmd   *exec.Cmd
	reply chan error
}

func startForker() {
	forkerOnce.Do(func() {
		forks = make(chan forkRequest)
		ready := make(chan struct{})
		go forker(ready)
		<-ready
	})
}

func forker(ready chan<- struct{}) {
	runtime.LockOSThread() // never unlocked: the thread lives as long as expool
	close(ready)
	for req := range forks {
		req.reply <- req.cmd.Start()
	}
}

func fork(cmd *exec.Cmd) error {
	reply := make(chan error, 1)
	forks <- forkRequest{cmd, reply}
	return <-reply
}

// processIDs are a process's pid, process group id and session id.
type processIDs struct{ pid, pgid, sid int }

func getsid() int {
	sid, _ := unix.Getsid(0)
	return sid
}
