//go:build !expool_portable

package local

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"expool/pool"
)

// Portable reports whether this is the portable launcher, with no more than
// POSIX allows. This one is Linux's:
//
//   - expool is a child subreaper (PR_SET_CHILD_SUBREAPER): a job's descendants
//     whose parent died are re-parented to expool rather than to init, so that
//     Wait can reap those of the job's group, and none stays a zombie, even
//     where init does not reap orphans;
//   - every job's process is the child of one OS thread that lives as long as
//     expool, with Pdeathsig SIGKILL: if expool dies, even of SIGKILL, the
//     kernel kills each job's main process; that thread, the reaper, waits
//     for all of them (see reaper);
//   - jobs are started by the spawner, so that their rusage is their own,
//     expool's memory not counted in their maxrss (see spawner);
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
	lastSweep  time.Time
	sweepTimer *time.Timer // a sweep to come
	closed     bool
}

// procSys is what Linux adds to a process: the reaper's record of it, once
// the spawner has started it.
type procSys struct {
	child    *child
	started  time.Time
	startErr error                  // why it could not start
	spawned  chan struct{}          // closed once started, or not
	onEnd    func(pool.Exit, error) // OnEnd's, while its start is under way
}

func (l *Launcher) setUp() {
	// Failure is not fatal: the kernel may be older than 3.4 or forbid it, and
	// then orphans go to init as they would without expool.
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	reaperThread()
	useSpawner()
	l.sys = sys{
		self:    processIDs{pid: l.pid, pgid: unix.Getpgrp(), sid: getsid()},
		running: map[uint64]bool{},
	}
}

// start has the spawner start p's process, without waiting for it to have
// started (see spawned). Its attempt counts as running from before the start,
// so that no sweep takes an escapee of it for one of an ended attempt.
func (l *Launcher) start(p *process) error {
	s := &l.sys
	s.mu.Lock()
	s.running[p.attempt] = true
	s.mu.Unlock()
	cmd := p.cmd
	spec := &spawnSpec{
		path: cmd.Path, argv: cmd.Args, env: dedupEnv(cmd.Env), dir: cmd.Dir,
		files:     [3]*os.File{cmd.Stdin.(*os.File), cmd.Stdout.(*os.File), cmd.Stderr.(*os.File)},
		setpgid:   true,
		pdeathsig: syscall.SIGKILL,
		exiting:   p.endGroupOf,
		cpus:      cpuSet(p.cpus),
	}
	p.sys.spawned = make(chan struct{})
	err := spawnAsync(spec, p.spawned)
	if err != nil {
		s.mu.Lock()
		delete(s.running, p.attempt)
		s.mu.Unlock()
	}
	return startError(cmd.Path, cmd.Dir, err)
}

// spawned is told that p's process has started, as the reaper's child c whose
// program was exec'd at started, or why it could not. The held signals are
// sent, the command is told (Started), then the end is watched for.
func (p *process) spawned(c *child, started time.Time, err error) {
	l := p.launcher
	p.mu.Lock()
	if err != nil {
		p.exited = true
		p.sys.startErr = &pool.StartError{Err: startError(p.cmd.Path, p.cmd.Dir, err)}
		end := p.sys.onEnd
		close(p.sys.spawned) // under p.mu: OnEnd sees it, or gave end
		p.mu.Unlock()
		s := &l.sys
		s.mu.Lock()
		delete(s.running, p.attempt)
		s.mu.Unlock()
		if end != nil {
			end(pool.Exit{}, p.sys.startErr)
		}
		return
	}
	p.pid, p.sys.child, p.sys.started = c.pid, c, started
	for _, sig := range p.held {
		if !p.exited {
			_ = unix.Kill(-p.pid, sig)
		}
	}
	p.held = nil
	if p.started != nil {
		// Before the end can be told of: OnEnd waits for p.mu.
		p.started(started)
	}
	end := p.sys.onEnd
	close(p.sys.spawned)
	p.mu.Unlock()
	l.sample(p)
	if end != nil {
		c.then(func() { end(l.ended(p), nil) })
	}
}

// Starting marks the process as one whose start may be under way when
// Launch returns (pool.Starting).
func (p *process) Starting() {}

// startError says why the process of path, in dir, did not start, as
// exec.Cmd would.
func startError(path, dir string, err error) error {
	var se *spawnError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &se):
		return &os.PathError{Op: "fork/exec", Path: path, Err: err}
	case se.step == stepChdir:
		return fmt.Errorf("workdir %s: %w", dir, se.err)
	case se.step == stepExec:
		return &os.PathError{Op: "fork/exec", Path: path, Err: se.err}
	}
	return err
}

// waitGroup waits until the reaper has seen the lead process exit (it then
// killed the group, see endGroup) and reaped it and its group.
func (l *Launcher) waitGroup(p *process) (pool.Exit, error) {
	<-p.sys.spawned
	if p.sys.startErr != nil {
		return pool.Exit{}, p.sys.startErr
	}
	<-p.sys.child.done
	return l.ended(p), nil
}

// OnEnd has end called, on the reaper's goroutine, once the reaper has
// reaped the lead process and its group: the pool needs no goroutine per job.
// While the start is under way, spawned takes it on.
func (p *process) OnEnd(end func(pool.Exit, error)) {
	p.mu.Lock()
	select {
	case <-p.sys.spawned:
	default:
		p.sys.onEnd = end
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	if p.sys.startErr != nil {
		end(pool.Exit{}, p.sys.startErr)
		return
	}
	p.sys.child.then(func() { end(p.launcher.ended(p), nil) })
}

// ended is how p, reaped with its group, ended; its attempt is over, and the
// escapees of ended attempts are swept soon.
func (l *Launcher) ended(p *process) pool.Exit {
	l.untrack(p.attempt) // its memory is sampled no more
	c := p.sys.child
	s := &l.sys
	s.mu.Lock()
	delete(s.running, p.attempt)
	s.mu.Unlock()
	l.sweepSoon()
	e := pool.Exit{Stop: c.stop}
	if c.status.Signaled() {
		e.Code = -int(c.status.Signal())
	} else {
		e.Code = c.status.ExitStatus()
	}
	e.Rusage = pool.Rusage{
		Utime:  time.Duration(c.rusage.Utime.Nano()),
		Stime:  time.Duration(c.rusage.Stime.Nano()),
		MaxRSS: c.rusage.Maxrss, // KiB
	}
	return e
}

// startTime is when p's program was exec'd.
func (p *process) startTime() time.Time { return p.sys.started }

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
	releaseSpawner()
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

// dedupEnv keeps the last of the entries with the same name, as exec.Cmd
// does: a job's env and its mark replace what expool's environment has.
// Entries that are not NAME=VALUE stay as they are.
func dedupEnv(env []string) []string {
	seen := make(map[string]bool, len(env))
	out := make([]string, len(env))
	n := len(out)
	for i := len(env) - 1; i >= 0; i-- {
		kv := env[i]
		if name, _, ok := strings.Cut(kv, "="); ok && name != "" {
			if seen[name] {
				continue
			}
			seen[name] = true
		}
		n--
		out[n] = kv
	}
	return out[n:]
}

// processIDs are a process's pid, process group id and session id.
type processIDs struct{ pid, pgid, sid int }

func getsid() int {
	sid, _ := unix.Getsid(0)
	return sid
}
