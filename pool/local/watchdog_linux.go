//go:build !expool_portable

package local

import (
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// killMarked SIGKILLs every process marked by the expool whose pid is expool,
// with its process group. Killing one process can make another's mark
// readable (none is created: a mark is only inherited), so a few passes find
// them all.
func killMarked(expool int) {
	for range maxSweepRounds {
		if killMarkedOnce(expool) == 0 {
			return
		}
	}
}

// killMarkedOnce is one pass of killMarked; it returns how many processes it
// found.
func killMarkedOnce(expool int) int {
	environs, _ := filepath.Glob("/proc/[0-9]*/environ")
	found := 0
	for _, path := range environs {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, ok := findMark(pid, func(m attemptMark) bool { return m.expool == expool }); !ok {
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
