//go:build !expool_portable

package local

import (
	"time"

	"golang.org/x/sys/unix"
)

// A job's descendant can leave the job's process group (setsid, setpgid), and
// then the group kill at the end of the job misses it. Because expool is a
// child subreaper, such an escapee becomes expool's child as soon as its
// parent dies: the sweep finds it among expool's children and, by the
// AttemptEnv mark it inherited, tells which attempt it came from. It is
// killed once that attempt has ended (not before: a job may start a daemon
// that it still uses), with its own process group if it leads one, and
// reaped. Escapees that died on their own are reaped too. Processes are
// handled through pidfds, so a pid reused meanwhile is never signalled.
//
// What the sweep cannot see: an escapee that cleared its environment, or one
// whose parent (itself outside the job's group) is still alive.

// maxSweepRounds bounds how often one sweep, or the watchdog, looks again:
// killing an escapee makes its own children expool's.
const maxSweepRounds = 32

// sweepEvery spaces the sweeps: an escapee is killed at most this long after
// its attempt has ended.
const sweepEvery = 100 * time.Millisecond

// sweepSoon makes sure that a sweep comes, at once or, if the last one was
// less than sweepEvery ago, when that is over. It does not wait for it.
func (l *Launcher) sweepSoon() {
	s := &l.sys
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.sweepTimer != nil {
		return
	}
	s.sweepTimer = time.AfterFunc(time.Until(s.lastSweep.Add(sweepEvery)), func() {
		s.mu.Lock()
		s.sweepTimer = nil
		closed := s.closed
		s.mu.Unlock()
		if !closed {
			l.sweep(false)
		}
	})
}

// sweep kills and reaps the escapees of ended attempts (all of this
// launcher's, when final), and reaps zombie children from other sessions
// (and other process groups, when final). It reads the children of expool's
// main thread, to which the kernel re-parents orphans: so it costs what
// there is to find, whatever the number of jobs running. When final, it also
// kills what carries this launcher's mark among the children of the reaper's
// thread that the reaper does not know of (the process of a spawn whose
// reply was lost), which the reaper then reaps.
func (l *Launcher) sweep(final bool) {
	s := &l.sys
	s.sweepMu.Lock()
	defer s.sweepMu.Unlock()
	s.mu.Lock()
	s.lastSweep = time.Now()
	s.mu.Unlock()
	r := reaperThread()
	for range maxSweepRounds {
		killed := false
		for _, pid := range children(l.pid) {
			if l.sweepChild(pid, final) {
				killed = true
			}
		}
		if final {
			for _, pid := range children(r.tid) {
				if !r.watching(pid) && l.killUnwatched(pid) {
					killed = true
				}
			}
		}
		if !killed {
			return
		}
	}
}

// killUnwatched kills pid, a child of the reaper's thread that the reaper
// does not wait for, if it is alive and carries this launcher's mark, with
// its process group; it reports whether it did. The reaper reaps it.
func (l *Launcher) killUnwatched(pid int) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	st, err := readStat(pid)
	if err != nil || st.ppid != l.sys.self.pid || st.state == 'Z' {
		return false
	}
	if _, ok := l.attemptOf(pid); !ok {
		return false
	}
	if st.pgid == pid {
		_ = unix.Kill(-pid, unix.SIGKILL) // reserved: the reaper has not reaped pid
	}
	_ = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
	return true
}

// sweepChild handles one child of expool; it reports whether it killed it.
func (l *Launcher) sweepChild(pid int, final bool) bool {
	s := &l.sys
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return false // gone already, or a kernel without pidfds: nothing is swept
	}
	defer unix.Close(fd)
	// If pid was reused after pidfd_open, what is read below is another
	// process's; that can only make the sweep leave it alone, since all it
	// does goes through fd, whose process is then dead.
	st, err := readStat(pid)
	if err != nil || st.ppid != s.self.pid {
		return false
	}
	if st.state == 'Z' {
		// A zombie from another session is an escapee that died on its own:
		// neither a job's lead process nor a process that os.execute or
		// io.popen started leaves expool's session, and those are reaped by
		// whoever waits for them. At the end, one from another process
		// group (setpgid) is an escapee too.
		if st.sid != s.self.sid || final && st.pgid != s.self.pgid {
			waitPidfd(fd)
		}
		return false
	}
	n, ok := l.attemptOf(pid)
	if !ok {
		return false // not a job's: a process os.execute or io.popen started, say
	}
	s.mu.Lock()
	running := s.running[n]
	s.mu.Unlock()
	if running && !final {
		return false
	}
	leadsGroup := st.pgid == pid && st.pgid != s.self.pgid
	if leadsGroup {
		_ = unix.Kill(-pid, unix.SIGKILL) // its group is reserved: fd holds it unreaped
	}
	_ = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
	waitPidfd(fd)
	if leadsGroup {
		reapGroup(pid)
	}
	return true
}

func waitPidfd(fd int) {
	for {
		err := unix.Waitid(unix.P_PIDFD, fd, nil, unix.WEXITED, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// attemptOf reads the attempt number that pid's environment marks, if it is
// one of this launcher's.
func (l *Launcher) attemptOf(pid int) (uint64, bool) {
	m, ok := findMark(pid, func(m attemptMark) bool { return m.expool == l.pid && m.launcher == l.id })
	return m.attempt, ok
}
