package pool

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// maxSweepRounds bounds how often one sweep looks again: killing an escapee
// makes its own children expool's.
const maxSweepRounds = 32

// sweepEvery spaces the sweeps: listing expool's children costs tens of
// syscalls, too many to pay at every job's end when thousands end a second.
// An escapee is killed at most this long after its attempt has ended.
const sweepEvery = 100 * time.Millisecond

// processIDs are a process's pid, process group id and session id.
type processIDs struct{ pid, pgid, sid int }

func getsid() int {
	sid, _ := unix.Getsid(0)
	return sid
}

// mark is the AttemptEnv entry of attempt n.
func (l *Local) mark(n uint64) string {
	return fmt.Sprintf("%s=%d.%d.%d", AttemptEnv, l.self.pid, l.id, n)
}

// Close kills and reaps every child of expool that carries this launcher's
// mark, and every zombie child that left expool's process group: after it, no
// job's process is left. Then it dismisses the watchdog. Call it once every
// job has ended.
func (l *Local) Close() error {
	l.mu.Lock()
	l.closed = true
	if l.sweepTimer != nil {
		l.sweepTimer.Stop()
	}
	l.mu.Unlock()
	l.sweep(true)
	l.stopWatchdog()
	return nil
}

// sweepSoon sweeps now, or, if the last sweep was less than sweepEvery ago,
// makes sure one comes when it is over.
func (l *Local) sweepSoon() {
	l.mu.Lock()
	if l.closed || l.sweepTimer != nil {
		l.mu.Unlock()
		return
	}
	wait := time.Until(l.lastSweep.Add(sweepEvery))
	if wait > 0 {
		l.sweepTimer = time.AfterFunc(wait, func() {
			l.mu.Lock()
			l.sweepTimer = nil
			closed := l.closed
			l.mu.Unlock()
			if !closed {
				l.sweep(false)
			}
		})
		l.mu.Unlock()
		return
	}
	l.lastSweep = time.Now()
	l.mu.Unlock()
	l.sweep(false)
}

// sweep kills and reaps the escapees of ended attempts (all of this
// launcher's, when final), and reaps zombie children from other sessions
// (and other process groups, when final).
func (l *Local) sweep(final bool) {
	l.sweepMu.Lock()
	defer l.sweepMu.Unlock()
	l.mu.Lock()
	l.lastSweep = time.Now()
	l.mu.Unlock()
	for range maxSweepRounds {
		killed := false
		for _, pid := range children() {
			l.mu.Lock()
			leader := l.leaders[pid]
			l.mu.Unlock()
			if !leader && l.sweepChild(pid, final) {
				killed = true
			}
		}
		if !killed {
			return
		}
	}
}

// sweepChild handles one child of expool; it reports whether it killed it.
func (l *Local) sweepChild(pid int, final bool) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return false // gone already, or a kernel without pidfds: nothing is swept
	}
	defer unix.Close(fd)
	// If pid was reused after pidfd_open, what is read below is another
	// process's; that can only make the sweep leave it alone, since all it
	// does goes through fd, whose process is then dead.
	st, err := readStat(pid)
	if err != nil || st.ppid != l.self.pid {
		return false
	}
	if st.state == 'Z' {
		// A zombie from another session is an escapee that died on its own:
		// neither a job's lead process nor a process that os.execute or
		// io.popen started leaves expool's session, and those are reaped by
		// whoever waits for them. At the end, one from another process
		// group (setpgid) is an escapee too.
		if st.sid != l.self.sid || final && st.pgid != l.self.pgid {
			waitPidfd(fd)
		}
		return false
	}
	n, ok := l.attemptOf(pid)
	if !ok {
		return false // not a job's: a process os.execute or io.popen started, say
	}
	l.mu.Lock()
	running := l.running[n]
	l.mu.Unlock()
	if running && !final {
		return false
	}
	leadsGroup := st.pgid == pid && st.pgid != l.self.pgid
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
func (l *Local) attemptOf(pid int) (uint64, bool) {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return 0, false
	}
	prefix := []byte(fmt.Sprintf("%s=%d.%d.", AttemptEnv, l.self.pid, l.id))
	for _, kv := range bytes.Split(env, []byte{0}) {
		if rest, ok := bytes.CutPrefix(kv, prefix); ok {
			n, err := strconv.ParseUint(string(rest), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// children lists the pids of expool's children, from every thread's list.
func children() []int {
	files, _ := filepath.Glob("/proc/self/task/*/children")
	var pids []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, field := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(field); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

type procStat struct {
	state           byte
	ppid, pgid, sid int
}

// readStat reads a process's state, parent, process group and session.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// pid (comm) state ppid pgrp session ...; comm may hold spaces and parens.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 4 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: unexpected %q", pid, b)
	}
	var st procStat
	st.state = f[0][0]
	st.ppid, _ = strconv.Atoi(f[1])
	st.pgid, _ = strconv.Atoi(f[2])
	st.sid, _ = strconv.Atoi(f[3])
	return st, nil
}
