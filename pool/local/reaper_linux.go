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
//   - One waiter for every job, not a thread each: on SIGCHLD it asks the
//     kernel for exited children of this thread only (waitid with
//     __WNOTHREAD), which are the jobs' lead processes and the spawner, never
//     what other goroutines start (os.execute, io.popen, the watchdog) and
//     reap themselves.
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
	tid  int            // the reaper's thread
	work chan func()    // run on the reaper's thread
	scan chan os.Signal // SIGCHLD, or a registration: look for exited children

	mu       sync.Mutex
	children map[int]*child // by pid: processes of this thread not reaped yet
	starting int            // spawns under way: a zombie not in children may be theirs
	draining []*child       // reaped, their group not yet
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
			scan:     make(chan os.Signal, 1),
			children: map[int]*child{},
		}
		signal.Notify(r.scan, syscall.SIGCHLD)
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
		select {
		case f := <-r.work:
			f()
		case <-r.scan:
			r.reap()
		}
	}
}

// do runs f on the reaper's thread and returns once it has.
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
	r.kick()
}

// kick makes the reaper look for exited children.
func (r *reaper) kick() {
	select {
	case r.scan <- syscall.SIGCHLD:
	default:
	}
}

// __WNOTHREAD: wait for the children of the calling thread only.
const wNoThread = 0x20000000

// reap handles every exited child of the reaper's thread, then drains.
func (r *reaper) reap() {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT|wNoThread, nil)
		if err == unix.EINTR {
			continue
		}
		pid := siginfoPid(&info)
		if err != nil || pid == 0 {
			break // ECHILD, or none has exited
		}
		now := time.Now()
		r.mu.Lock()
		c := r.children[pid]
		delete(r.children, pid)
		starting := r.starting
		r.mu.Unlock()
		if c == nil {
			if starting > 0 {
				// Perhaps the process of a spawn under way, which exited
				// before its pid came back: spawnDone kicks once it is
				// watched.
				break
			}
			// A process that nobody waits for (a spawn whose reply was
			// lost): reaped, no more.
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
			r.mu.Unlock()
			continue
		}
		close(c.done)
	}
	r.drain()
}

// drain reaps what it can of the groups being drained, and closes the done
// of those that are over.
func (r *reaper) drain() {
	r.mu.Lock()
	draining := r.draining
	r.draining = nil
	r.mu.Unlock()
	var left []*child
	for _, c := range draining {
		if drained(c.pid) {
			close(c.done)
		} else {
			left = append(left, c)
		}
	}
	if left != nil {
		r.mu.Lock()
		r.draining = append(r.draining, left...)
		r.mu.Unlock()
	}
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
