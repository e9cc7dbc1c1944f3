package pool

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// The watchdog is a process that cleans up after expool when expool cannot:
// when it is killed with SIGKILL, say. Local starts it (with its Watchdog
// command) before the first job, in a process group of its own, its stdin a
// pipe from expool. When that pipe ends without expool saying goodbye, expool
// is gone, and the watchdog kills every process that carries expool's
// AttemptEnv mark, with its process group: the jobs, what they left in their
// groups, and their escapees. Pdeathsig already killed each job's main
// process; the watchdog gets the rest.

const watchdogBye = "bye\n"

// startWatchdog starts l.Watchdog, once, if set; a watchdog that cannot start
// is not fatal (Pdeathsig still holds).
func (l *Local) startWatchdog() {
	if len(l.Watchdog) == 0 || l.watchdog != nil {
		return
	}
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	cmd := exec.Command(l.Watchdog[0], append(l.Watchdog[1:], strconv.Itoa(l.self.pid))...)
	cmd.Stdin = r
	// Its own group: a signal to expool's group (Ctrl-C) must not reach it.
	// No Pdeathsig: it is there for expool's death.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	r.Close()
	if err != nil {
		w.Close()
		return
	}
	l.watchdog, l.watchdogPipe = cmd, w
}

// stopWatchdog says goodbye to the watchdog and reaps it.
func (l *Local) stopWatchdog() {
	if l.watchdog == nil {
		return
	}
	io.WriteString(l.watchdogPipe, watchdogBye)
	l.watchdogPipe.Close()
	l.watchdog.Wait()
	l.watchdog = nil
}

// Watchdog is the watchdog process's work: it reads r, its stdin, until it
// ends; unless expool said goodbye first, it then kills every process marked
// by the expool whose pid is expool, with its process group. The command
// given as Local.Watchdog must run it.
func Watchdog(expool int, r io.Reader) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err == nil && line == watchdogBye {
		return
	}
	prefix := []byte(fmt.Sprintf("%s=%d.", AttemptEnv, expool))
	// Killing one process can make another's mark readable (none is
	// created: a mark is only inherited), so a few passes find them all.
	for range maxSweepRounds {
		if killMarked(prefix) == 0 {
			return
		}
	}
}

// killMarked SIGKILLs every process whose environment has a mark starting
// with prefix, and its process group; it returns how many it found.
func killMarked(prefix []byte) int {
	stats, _ := filepath.Glob("/proc/[0-9]*/environ")
	found := 0
	for _, path := range stats {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(path)
		if err != nil || !hasMark(env, prefix) {
			continue
		}
		st, err := readStat(pid)
		if err != nil || st.state == 'Z' {
			continue
		}
		found++
		if st.pgid != unix.Getpgrp() {
			_ = unix.Kill(-st.pgid, unix.SIGKILL)
		}
		_ = unix.Kill(pid, unix.SIGKILL)
	}
	return found
}

func hasMark(env, prefix []byte) bool {
	for _, kv := range bytes.Split(env, []byte{0}) {
		if bytes.HasPrefix(kv, prefix) {
			return true
		}
	}
	return false
}
