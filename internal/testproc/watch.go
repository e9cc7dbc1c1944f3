package testproc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"expool/pool"
	"expool/pool/local"
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

// Left describes what is left of the process groups pgids: what a test
// expects to find none of once their jobs have ended. On Linux, that is any
// process, zombies included, at once: expool kills a job's group and reaps
// its orphans, as their subreaper, before the job ends. With the portable
// launcher, it is the live ones after the SIGKILL has had time to land (at
// most 5 s): expool does not wait for their death, and their zombies are
// init's to reap.
func Left(pgids ...int) []string {
	if !local.Portable {
		return GroupMembers(pgids...)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var live []string
		for _, m := range GroupMembers(pgids...) {
			if !strings.Contains(m, " state Z ") {
				live = append(live, m)
			}
		}
		if len(live) == 0 || time.Now().After(deadline) {
			return live
		}
	}
}

// GroupMembers describes the processes, zombies included, whose process
// group is one of pgids.
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

// TestMain runs the tests of a package whose jobs are testproc: it runs as
// testproc if started as one, and checks that the tests leak no goroutine
// (but the local launcher's reaper and its SIGCHLD forwarder, which live as
// long as the process).
func TestMain(m *testing.M) {
	RunIfChild()
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("expool/pool/local.(*reaper).run"),
		goleak.IgnoreTopFunction("expool/pool/local.(*reaper).forward"))
}

// Job is a job that runs testproc with args.
func Job(name string, args ...string) *pool.Job {
	return &pool.Job{Name: name, Args: Command(args...), Env: ChildEnviron(), MaxRestarts: -1}
}

// Loop is a loop on a local launcher; after t, it is shut down (no job
// left), then closed, then the launcher.
func Loop(t testing.TB) *pool.Loop {
	t.Helper()
	launcher := local.New()
	l, err := pool.NewLoop(launcher)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Shutdown(context.Background(), "the test ended"); err != nil {
			t.Error(err)
		}
		l.Close()
		launcher.Close()
	})
	return l
}

// Pool is l.NewPool(c), which must succeed.
func Pool(t testing.TB, l *pool.Loop, c pool.Config) *pool.Pool {
	t.Helper()
	p, err := l.NewPool(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Run executes jobs on p and joins it; both must succeed.
func Run(t testing.TB, p *pool.Pool, jobs ...*pool.Job) {
	t.Helper()
	for _, j := range jobs {
		if err := p.Execute(j); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Join(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
}
