package testproc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// What tests use to run testproc and to watch what it does: the events they
// synchronise on are files that testproc writes (pid files, lines), never a
// sleep.

// ChildEnv, set to "1" in a test binary's environment, makes it run as
// testproc (see RunIfChild).
const ChildEnv = "EXPOOL_TESTPROC"

// RunIfChild runs testproc and exits if the test binary was started as one
// (ChildEnv is set); call it first in TestMain.
func RunIfChild() {
	if os.Getenv(ChildEnv) == "1" {
		Main()
	}
}

// ChildEnviron is the environment a job adds to make the test binary
// testproc: ChildEnv, and no 1 s sleep at exit under the race detector.
func ChildEnviron() map[string]string {
	return map[string]string{ChildEnv: "1", "GORACE": "atexit_sleep_ms=0"}
}

// WaitLines waits, at most timeout, until the file at path exists and has at
// least n lines.
func WaitLines(path string, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		b, err := os.ReadFile(path)
		if err == nil && bytes.Count(b, []byte("\n")) >= n {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("after %v: %w", timeout, err)
			}
			return fmt.Errorf("%s has %d lines after %v, want %d", path, bytes.Count(b, []byte("\n")), timeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ReadPids reads the "PID PGID" lines that -pidfile wrote.
func ReadPids(path string) (pids, pgids []int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var pid, pgid int
		if _, err := fmt.Sscan(line, &pid, &pgid); err != nil {
			return nil, nil, fmt.Errorf("%s: %q: %v", path, line, err)
		}
		pids, pgids = append(pids, pid), append(pgids, pgid)
	}
	return pids, pgids, nil
}

// Exists reports whether process pid exists, zombie or not.
func Exists(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}

// Live reports whether process pid exists and is not a zombie.
func Live(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !bytes.Contains(stat, []byte(") Z "))
}

// Gone waits, at most timeout, until process pid no longer exists.
func Gone(pid int, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); Exists(pid); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// GroupMembers describes the processes, zombies included, whose process
// group is one of pgids: what a test expects to find none of once a job has
// ended.
func GroupMembers(pgids ...int) []string {
	want := map[string]bool{}
	for _, g := range pgids {
		want[strconv.Itoa(g)] = true
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var found []string
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parens.
		i := bytes.LastIndexByte(b, ')')
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 2 && want[f[2]] {
			found = append(found, fmt.Sprintf("pid %s %s state %s ppid %s pgid %s",
				filepath.Base(filepath.Dir(path)), b[bytes.IndexByte(b, '('):i+1], f[0], f[1], f[2]))
		}
	}
	return found
}

// Command is the argv that runs this test binary as testproc with args; run
// it with ChildEnviron.
func Command(args ...string) []string {
	return append([]string{os.Args[0]}, args...)
}
