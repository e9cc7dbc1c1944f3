//go:build !expool_portable

package local

import (
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The reaper is one goroutine, locked to an OS thread of its own for the life
// of expool, that starts every job's process (itself, or through the spawner,
// whose clone(CLONE_PARENT) makes the process this thread's child too) and
// waits for all of them at once:
//
//   - Pdeathsig: the kernel sends a process its Pdeathsig when the thread that
//     is its parent ends, not the process; this thread never ends, and Go may
//     end others at any time.
//   - One waiter for every job, not a thread each: it asks the kernel for the
//     exited children of this thread only (waitid with __WNOTHREAD), which
//     are the jobs' lead processes and the spawner, never what other
//     goroutines start (os.execute, io.popen, the watchdog) and reap
//     themselves. While the spawner runs, the thread has nothing else to do
//     and blocks in waitid, which the kernel ends when a child exits; else
//     (jobs forked directly) it forks on request and looks on each SIGCHLD.
//   - WNOWAIT: it sees a lead process exit while the process is a zombie,
//     whose pid, and so the job's process group id, cannot be reused; the
//     group is killed then, and the zombie reaped after.
//   - The time it sees the exit is the attempt's end, taken before any
//     cleanup.
//
// What is left of a group after its kill (descendants that expool, a
// subreaper, adopted) is drained: reaped as each dies, on the SIGCHLDs that
// their deaths send, before the job's Wait returns.
//
// The reaper's thread is never the process's main thread: orphans are
// re-parented to the main thread, so that the sweep, which reads the main
// thread's children, reads no job's lead process.
type reaper struct {
	tid     int            // the reaper's thread
	work    chan func()    // run on the reaper's thread
	kick    chan struct{}  // look for exited children again
	sigchld chan os.Signal // SIGCHLD, while notify says it is needed

	mu       sync.Mutex
	children map[int]*child // by pid: processes of this thread not reaped yet
	starting int            // spawns under way: a zombie not in children may be theirs
	spawner  *child         // the running spawner: the thread may block in waitid
	draining []*child       // reaped, their group not yet
	notified bool           // SIGCHLD goes to sigchld
}

// A child is a process the reaper waits for.
type child struct {
	pid   int
	group bool // it leads a process group, drained once it is reaped
	// exiting, if set, is called with pid on the reaper's thread once the
	// process has exited, before it is reaped: its pid and its group id are
	// still reserved. It may come before the start that made the process
	// has returned.
	exiting func(pid int)

	// Set before done is closed.
	status unix.WaitStatus
	rusage unix.Rusage
	stop   time.Time // when the reaper saw it exit
	done   chan struct{}

	mu   sync.Mutex // guards over and next
	over bool       // done is closed
	next func()     // called once done is closed
}

// then has f called once c is reaped, its group drained: on the reaper's
// goroutine, or at once if that is now.
func (c *child) then(f func()) {
	c.mu.Lock()
	if !c.over {
		c.next = f
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	f()
}

// end says that c is reaped, its group drained.
func (c *child) end() {
	c.mu.Lock()
	c.over = true
	f := c.next
	c.mu.Unlock()
	close(c.done)
	if f != nil {
		f()
	}
}

var (
	reaperOnce sync.Once
	theReaper  *reaper
)

// reaperThread returns the reaper, started on first use.
func reaperThread() *reaper {
	reaperOnce.Do(func() {
		r := &reaper{
			work:     make(chan func()),
			kick:     make(chan struct{}, 1),
			sigchld:  make(chan os.Signal, 1),
			children: map[int]*child{},
		}
		r.mu.Lock()
		r.notify()
		r.mu.Unlock()
		go r.forward()
		ready := make(chan struct{})
		go r.run(ready)
		<-ready
		theReaper = r
	})
	return theReaper
}

func (r *reaper) run(ready chan<- struct{}) {
	runtime.LockOSThread() // never unlocked: the thread lives as long as expool
	if unix.Gettid() == unix.Getpid() {
		// The main thread: keep it, so that the next goroutine to lock a
		// thread gets another, and serve from there.
		go r.run(ready)
		select {}
	}
	r.tid = unix.Gettid()
	close(ready)
	for {
		r.mu.Lock()
		blocking := r.spawner != nil
		r.mu.Unlock()
		if blocking {
			r.waitOne()
			continue
		}
		select {
		case f := <-r.work:
			f()
		case <-r.kick:
			r.reap()
		}
	}
}

// forward passes SIGCHLD on, while notify wants it: to drain groups, and to
// the reaper's thread when it does not block in waitid.
func (r *reaper) forward() {
	for range r.sigchld {
		r.drain()
		r.poke()
	}
}

// notify has SIGCHLD reach forward when something waits for it: the reaper's
// thread, when it does not block in waitid, or groups to drain. Called with
// r.mu held.
func (r *reaper) notify() {
	want := r.spawner == nil || len(r.draining) > 0
	if want == r.notified {
		return
	}
	r.notified = want
	if want {
		signal.Notify(r.sigchld, syscall.SIGCHLD)
		r.poke() // what exited before
	} else {
		signal.Stop(r.sigchld)
	}
}

// poke makes the reaper look for exited children.
func (r *reaper) poke() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// do runs f on the reaper's thread and returns once it has. The thread does
// not block in waitid while the spawner does not run, and nothing but the
// spawner's start, and forks while it cannot run, asks for it.
func (r *reaper) do(f func()) {
	done := make(chan struct{})
	r.work <- func() { f(); close(done) }
	<-done
}

// watch has the reaper wait for c, a child of its thread. Call it on the
// reaper's thread (after a fork there), or between spawnStarting and
// spawnDone.
func (r *reaper) watch(c *child) {
	c.done = make(chan struct{})
	r.mu.Lock()
	r.children[c.pid] = c
	r.mu.Unlock()
}

// watchSpawner is watch for the spawner, just started on the reaper's thread:
// while it runs, the thread blocks in waitid.
func (r *reaper) watchSpawner(c *child) {
	r.watch(c)
	r.mu.Lock()
	r.spawner = c
	r.notify()
	r.mu.Unlock()
}

// watching reports whether the reaper waits for pid.
func (r *reaper) watching(pid int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.children[pid] != nil
}

// spawnStarting tells the reaper that a process is being started off its
// thread (by the spawner): a child it does not know of yet may be that one.
// spawnDone says the spawn is over, its process watched if there is one.
func (r *reaper) spawnStarting() {
	r.mu.Lock()
	r.starting++
	r.mu.Unlock()
}

func (r *reaper) spawnDone() {
	r.mu.Lock()
	r.starting--
	r.mu.Unlock()
	r.poke()
}

// __WNOTHREAD: wait for the children of the calling thread only.
const wNoThread = 0x20000000

// waitOne blocks until a child of the reaper's thread has exited, and
// handles it.
func (r *reaper) waitOne() {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOWAIT|wNoThread, nil)
	switch pid := siginfoPid(&info); {
	case err == unix.ECHILD:
		// No child, the spawner neither: reaped by someone else. The
		// thread stops blocking.
		r.mu.Lock()
		r.spawner = nil
		r.notify()
		r.mu.Unlock()
	case err == nil && pid > 0 && !r.handle(pid, time.Now()):
		<-r.kick // the spawn under way is over
	}
}

// reap handles every exited child of the reaper's thread, and drains.
func (r *reaper) reap() {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT|wNoThread, nil)
		if err == unix.EINTR {
			continue
		}
		pid := siginfoPid(&info)
		if err != nil || pid == 0 || !r.handle(pid, time.Now()) {
			break // ECHILD, none has exited, or one to wait for
		}
	}
	r.drain()
}

// handle handles pid, an exited child of the reaper's thread, seen at now: it
// kills its group and reaps it. It reports false, and leaves pid alone, if it
// may be the process of a spawn under way, which exited before its pid came
// back: spawnDone pokes once it is watched.
func (r *reaper) handle(pid int, now time.Time) bool {
	r.mu.Lock()
	c := r.children[pid]
	if c == nil && r.starting > 0 {
		r.mu.Unlock()
		return false
	}
	delete(r.children, pid)
	if c != nil && c == r.spawner {
		r.spawner = nil
		r.notify()
	}
	r.mu.Unlock()
	if c == nil {
		// A process that nobody waits for (a spawn whose reply was lost):
		// reaped, no more.
		c = &child{pid: pid, done: make(chan struct{})}
	}
	c.stop = now
	if c.exiting != nil {
		c.exiting(pid)
	}
	for {
		_, err := unix.Wait4(pid, &c.status, unix.WNOHANG, &c.rusage)
		if err != unix.EINTR {
			break
		}
	}
	if c.group && !drained(pid) {
		r.mu.Lock()
		r.draining = append(r.draining, c)
		r.notify()
		r.mu.Unlock()
		r.drain() // what died before SIGCHLD was asked for
		return true
	}
	c.end()
	return true
}

// drain reaps what it can of the groups being drained, and closes the done
// of those that are over. It may run on any thread.
func (r *reaper) drain() {
	r.mu.Lock()
	draining := r.draining
	r.draining = nil
	r.mu.Unlock()
	var left []*child
	for _, c := range draining {
		if drained(c.pid) {
			c.end()
		} else {
			left = append(left, c)
		}
	}
	r.mu.Lock()
	r.draining = append(r.draining, left...)
	r.notify()
	r.mu.Unlock()
}

// drained reaps the children of expool in process group pgid that have
// exited, and reports whether none is left. Children of any of expool's
// threads count: a job's descendants whose parent died are the main thread's.
func drained(pgid int) bool {
	for {
		pid, err := unix.Wait4(-pgid, nil, unix.WNOHANG, nil)
		switch {
		case err == unix.EINTR, err == nil && pid > 0:
			continue
		case err != nil: // ECHILD: no child of ours is left in the group
			return true
		default: // some are alive: their SIGCHLD comes when they die
			return false
		}
	}
}

// siginfoPid is the si_pid of a SIGCHLD siginfo, which x/sys/unix does not
// name: it follows signo, errno, code and padding.
func siginfoPid(info *unix.Siginfo) int {
	return int(*(*int32)(unsafe.Add(unsafe.Pointer(info), 16)))
}
