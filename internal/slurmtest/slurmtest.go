// Package slurmtest tells tests whether a Slurm they can use is here (see
// tests/slurm/start.sh), and what of theirs squeue still shows.
package slurmtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"expool/pool/local"
)

var (
	once   sync.Once
	reason error
)

// Available returns nil if srun, scancel and squeue are on PATH and sinfo
// shows a node that can run jobs; else why not, for the test's skip. The
// Slurm tests run once in CI: not again in the run with the portable local
// launcher forced, which the Slurm launcher does not use.
func Available() error {
	once.Do(func() {
		if local.Portable {
			reason = errors.New("the Slurm tests do not run again with the portable local launcher (tag expool_portable)")
			return
		}
		reason = check()
	})
	return reason
}

func check() error {
	for _, cmd := range []string{"srun", "scancel", "squeue", "sinfo"} {
		if _, err := exec.LookPath(cmd); err != nil {
			return fmt.Errorf("no Slurm here: %s is not on PATH (tests/slurm/start.sh installs and starts one)", cmd)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sinfo", "-h", "-o", "%t").CombinedOutput()
	if err != nil {
		return fmt.Errorf("no Slurm here: sinfo: %v: %s (tests/slurm/start.sh starts one)", err, strings.TrimSpace(string(out)))
	}
	for _, state := range strings.Fields(string(out)) {
		switch strings.TrimRight(state, "*~#!%$@^-") {
		case "idle", "mix", "alloc":
			return nil
		}
	}
	return fmt.Errorf("no Slurm node can run jobs: sinfo shows %q (tests/slurm/start.sh starts one)", strings.TrimSpace(string(out)))
}

// Skip skips t if Available says no.
func Skip(t interface{ Skip(...any) }) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
}

// Jobs lists the jobs and steps of this user that squeue shows whose name
// starts with "expool-" and contains part: "ID NAME STATE" each.
func Jobs(part string) ([]string, error) {
	uid := strconv.Itoa(os.Getuid())
	var found []string
	for _, args := range [][]string{{"-h", "-u", uid, "-o", "%i %j %T"}, {"-h", "-s", "-u", uid, "-o", "%i %j"}} {
		out, err := exec.Command("squeue", args...).Output()
		if err != nil {
			return nil, fmt.Errorf("squeue: %w", err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && strings.HasPrefix(f[1], "expool-") && strings.Contains(f[1], part) {
				found = append(found, line)
			}
		}
	}
	return found, nil
}

// WaitGone waits, at most wait, until Jobs(part) lists nothing, and
// returns what it lists then.
func WaitGone(part string, wait time.Duration) ([]string, error) {
	deadline := time.Now().Add(wait)
	for {
		jobs, err := Jobs(part)
		if err != nil || len(jobs) == 0 || time.Now().After(deadline) {
			return jobs, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ErrNone is returned by JobID when squeue shows no such job.
var ErrNone = errors.New("no such job in squeue")

// JobID is the id of the job whose name ends with suffix.
func JobID(suffix string) (string, error) {
	out, err := exec.Command("squeue", "-h", "-u", strconv.Itoa(os.Getuid()), "-o", "%i %j").Output()
	if err != nil {
		return "", fmt.Errorf("squeue: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) == 2 && strings.HasSuffix(f[1], suffix) {
			return f[0], nil
		}
	}
	return "", ErrNone
}
