//go:build !expool_portable

package local

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// What the sweep and the watchdog read of processes, from /proc.

// children lists the pids of the children of expool's thread tid.
func children(tid int) []int {
	b, err := os.ReadFile("/proc/self/task/" + strconv.Itoa(tid) + "/children")
	if err != nil {
		return nil
	}
	var pids []int
	for _, field := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(field); err == nil {
			pids = append(pids, pid)
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

// attemptMark is an AttemptEnv mark read back: "PID.L.N".
type attemptMark struct {
	expool            int    // expool's pid
	launcher, attempt uint64 // the launcher's number and the attempt's
}

var markPrefix = []byte(AttemptEnv + "=")

// findMark looks in the environment of process pid for an AttemptEnv mark
// that match accepts.
func findMark(pid int, match func(attemptMark) bool) (attemptMark, bool) {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return attemptMark{}, false
	}
	for kv := range bytes.SplitSeq(env, []byte{0}) {
		value, ok := bytes.CutPrefix(kv, markPrefix)
		if !ok {
			continue
		}
		if m, ok := parseMark(string(value)); ok && match(m) {
			return m, true
		}
	}
	return attemptMark{}, false
}

func parseMark(s string) (attemptMark, bool) {
	pid, rest, ok1 := strings.Cut(s, ".")
	launcher, attempt, ok2 := strings.Cut(rest, ".")
	var m attemptMark
	var err1, err2, err3 error
	m.expool, err1 = strconv.Atoi(pid)
	m.launcher, err2 = strconv.ParseUint(launcher, 10, 64)
	m.attempt, err3 = strconv.ParseUint(attempt, 10, 64)
	return m, ok1 && ok2 && err1 == nil && err2 == nil && err3 == nil
}
