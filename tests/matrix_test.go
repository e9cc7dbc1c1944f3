package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"expool/internal/slurmtest"
	"expool/internal/testproc"
	"expool/pool/local"
)

// The termination matrix: every way a job can be stopped, against every kind
// of job that makes stopping hard. Each cell runs expool on a script with one
// job and checks the job's status, returncode and error, that onfinish ran
// exactly once, that the pool's counters add up, and that no process of the
// job's process groups, zombies included, is left once expool has exited.

type jobKind struct {
	name  string
	args  string // Lua array of the job's arguments; PIDS is the pid file
	extra string // more Job fields
	pids  int    // lines the job writes to PIDS once it is set up
	// ignoresTerm: only SIGKILL ends it, so it ends -9.
	ignoresTerm bool
}

var jobKinds = []jobKind{
	{name: "plain", args: `{"testproc", "-pidfile", PIDS, "sleep", "300"}`, pids: 1},
	{name: "grandchildren", args: `{"testproc", "-pidfile", PIDS, "-grandchild", "sleep", "300"}`, pids: 2},
	{name: "ignores-term", args: `{"testproc", "-pidfile", PIDS, "-ignore-term", "-grandchild", "sleep", "300"}`, pids: 2, ignoresTerm: true},
	{name: "closes-stdout", args: `{"testproc", "-pidfile", PIDS, "close-stdout", "300"}`, extra: "stdout=PIPE,", pids: 1},
	{name: "floods-pipe", args: `{"testproc", "-pidfile", PIDS, "flood"}`, extra: "stdout=PIPE,", pids: 1},
}

type stopPath struct {
	name string
	// job adds Job fields; flags, testproc flags; before runs before
	// execute; after runs once the job is set up (its pid file complete).
	// TIMEOUT in them is the timer's seconds.
	job, flags, before, after string
	// timer: a timer from the job's (or its task's) start stops it, which
	// may fire before the job is set up on a loaded machine; the cell is
	// then run again with a longer timer.
	timer     bool
	signals   []syscall.Signal // sent to expool once the job is set up
	status    string           // the job's final status
	err       string           // job.error: a regular expression, "nil" for none
	exit      int              // expool's exit status
	linux     bool             // needs Linux's local launcher (memory sampled)
	restarts  int
	killgrace string
}

var stopPaths = []stopPath{
	{name: "job-timeout", job: "timeout=TIMEOUT,", timer: true, status: "timeout", err: "nil"},
	{name: "restart-then-timeout", job: "timeout=TIMEOUT, ontimeout=true, maxrestarts=1,", timer: true, status: "timeout", err: "nil", restarts: 1},
	// Once set up, the job grows by 5 MiB steps past its memlimit of 100 MiB.
	{name: "memlimit", job: "memlimit=100/1024,", flags: `"-grow", "5:0.01:2000", `, status: "memory", linux: true,
		err: `memory 0\.\d+ GiB over the job's memlimit of 0\.0977 GiB`},
	{name: "task-timeout", before: `local task = Task{name="t", timeout=TIMEOUT}`, job: "task=task,", timer: true, status: "terminated", err: `task "t" timed out`},
	{name: "join-timeout", after: "pool:join(TIMEOUT)", status: "terminated", err: "pool join timed out"},
	{name: "terminate", after: "pool:terminate()", status: "terminated", err: `pool:terminate\(\)`},
	{name: "os.exit", after: "os.exit(3)", status: "terminated", err: `os\.exit`, exit: 3},
	{name: "main-chunk-error", after: `error("boom")`, status: "terminated", err: "error in the main chunk", exit: 1},
	{name: "SIGINT", signals: []syscall.Signal{syscall.SIGINT}, status: "terminated", err: "SIGINT", exit: 130},
	{name: "SIGTERM", signals: []syscall.Signal{syscall.SIGTERM}, status: "terminated", err: "SIGTERM", exit: 143},
	{name: "SIGHUP", signals: []syscall.Signal{syscall.SIGHUP}, status: "terminated", err: "SIGHUP", exit: 129},
	{name: "SIGQUIT", signals: []syscall.Signal{syscall.SIGQUIT}, status: "terminated", err: "SIGQUIT", exit: 131},
	{name: "second-signal-in-grace", signals: []syscall.Signal{syscall.SIGINT, syscall.SIGINT},
		status: "terminated", err: "SIGINT", exit: 130, killgrace: "60"},
}

const matrixScript = `
local PIDS = "pids"
local pool = ExecPool{workers=1, killgrace=%s, pipelimit=65536}
%s
local starts = 0
local job = Job{name=%q, args=%s, %s %s
  onstart=function(j) starts = starts + 1 end,
  onfinish=function(j)
    local f = assert(io.open("finished", "a"))
    f:write(table.concat({j.status, tostring(j.returncode), j.restarts, starts,
      pool.running, pool.pending, #pool.failures, tostring(pool.failures[1] == j), tostring(j.error)}, " "), "\n")
    f:close()
  end}
pool:execute(job)
%s
%s
pool:join()
`

// readyScript waits until the job (its last attempt, with restarts) is set
// up, its pid file complete.
const readyScript = `pool:execute(Job{name="ready", args={"testproc", "waitfile", PIDS, "%d"}}, false)
io.open("armed", "w"):close()`

func TestTerminationMatrix(t *testing.T) {
	// The Slurm cells mostly wait for srun: they run slurmCells at a time,
	// more than go test's -parallel, from goroutines of their own, before
	// the local ones, whose timers are short (this subtest is not
	// parallel: the parallel ones start when it has ended).
	t.Run("slurm", func(t *testing.T) {
		slurmtest.Skip(t)
		var wg sync.WaitGroup
		cells := make(chan struct{}, slurmCells)
		for _, path := range stopPaths {
			if path.linux {
				continue // memory is sampled by the local launcher alone (on Slurm, memlimit is srun's --mem)
			}
			for _, kind := range jobKinds {
				wg.Add(1)
				cells <- struct{}{}
				go func() {
					defer func() { <-cells; wg.Done() }()
					t.Run(path.name+"/"+kind.name, func(t *testing.T) { runCell(t, "slurm", path, kind) })
				}()
			}
		}
		wg.Wait()
	})
	for _, path := range stopPaths {
		for _, kind := range jobKinds {
			t.Run("local/"+path.name+"/"+kind.name, func(t *testing.T) {
				if path.linux && local.Portable {
					t.Skip("memory limits need Linux's launcher")
				}
				t.Parallel()
				runCell(t, "local", path, kind)
			})
		}
	}
}

// slurmCells is how many cells of the matrix run on Slurm at once.
const slurmCells = 4

// runCell runs a cell; one whose timer fired before the job was set up runs
// again with a timer twice as long, up to 4 times. On Slurm, where srun
// takes a while to start a task (a Task's or a join's timer counts that
// time), the first timer is of a second.
func runCell(t *testing.T, launcher string, path stopPath, kind jobKind) {
	first := 0.3
	if launcher == "slurm" {
		first = 1
	}
	for timeout := first; ; timeout *= 2 {
		if runCellOnce(t, launcher, path, kind, timeout) || timeout > 2*first {
			return
		}
		t.Logf("the %gs timer fired before the job was set up: again, with a longer one", timeout)
	}
}

// runCellOnce runs a cell whose timer, if it has one, is of timeout seconds.
// It reports false, and checks nothing, if that timer fired before the job
// was set up.
func runCellOnce(t *testing.T, launcher string, path stopPath, kind jobKind, timeout float64) bool {
	dir := t.TempDir()
	killgrace := path.killgrace
	if killgrace == "" {
		killgrace = "1" // time for a loaded machine to deliver SIGTERM to a job that dies of it
	}
	setUp := kind.pids * (path.restarts + 1) // pid file lines
	ready := fmt.Sprintf(readyScript, setUp)
	switch {
	case path.signals != nil:
		ready = fmt.Sprintf(readyScript, kind.pids) // signalled as soon as the first attempt is up
	case path.timer:
		ready = "" // the timer stops the job, set up or not
	}
	// A name of its own, to find the cell's job in squeue.
	name := fmt.Sprintf("cell-%s-%s-%d", path.name, kind.name, time.Now().UnixNano())
	seconds := strings.NewReplacer("TIMEOUT", fmt.Sprint(timeout))
	args := strings.Replace(kind.args, `"testproc", `, `"testproc", `+path.flags, 1)
	script := fmt.Sprintf(matrixScript, killgrace, seconds.Replace(path.before), name, args, kind.extra,
		seconds.Replace(path.job), ready, seconds.Replace(path.after))
	if err := os.WriteFile(filepath.Join(dir, "cell.lua"), []byte(script), 0o666); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("expool", "--launcher", launcher, "cell.lua")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if path.signals != nil {
		if err := testproc.WaitLines(filepath.Join(dir, "armed"), 0, 30*time.Second); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal(err)
		}
		for i, sig := range path.signals {
			if i > 0 {
				time.Sleep(200 * time.Millisecond) // well within the grace period
			}
			cmd.Process.Signal(sig)
		}
	}
	err := cmd.Wait()
	elapsed := time.Since(begin)
	_, pgids, pidsErr := testproc.ReadPids(filepath.Join(dir, "pids"))
	left := func() []string {
		if launcher == "slurm" {
			return waitInitReaps(pgids)
		}
		return testproc.Left(pgids...)
	}
	if path.timer && len(pgids) < setUp {
		// Inconclusive, but what was set up must be gone all the same.
		if left := left(); len(left) > 0 {
			t.Errorf("left in the job's process groups:\n%s", strings.Join(left, "\n"))
		}
		return false
	}
	if code := cmd.ProcessState.ExitCode(); code != path.exit {
		t.Errorf("expool exited with %d (%v), want %d; stderr:\n%s", code, err, path.exit, stderr.String())
	}
	if path.killgrace != "" && elapsed > 20*time.Second {
		t.Errorf("took %v: the second signal did not skip the %ss grace period", elapsed, path.killgrace)
	}

	// onfinish ran exactly once, with the status, returncode, counters and
	// error expected.
	code := -15
	if kind.ignoresTerm {
		code = -9
	}
	finished, _ := os.ReadFile(filepath.Join(dir, "finished"))
	want := fmt.Sprintf("%s %d %d %d 0 0 1 true ", path.status, code, path.restarts, path.restarts+1)
	if !regexp.MustCompile("^" + regexp.QuoteMeta(want) + "(" + path.err + ")\n$").Match(finished) {
		t.Errorf("onfinish recorded %q, want once %q (status returncode restarts starts running pending #failures failures[1]==job error)", finished, want+path.err)
	}

	// No process of any of the job's groups is left, zombies included.
	if pidsErr != nil {
		t.Fatal(pidsErr)
	}
	if left := left(); len(left) > 0 {
		t.Errorf("left in the job's process groups:\n%s", strings.Join(left, "\n"))
	}
	if launcher == "slurm" {
		if left, err := slurmtest.Jobs("-" + name); err != nil || len(left) > 0 {
			t.Errorf("squeue shows the cell's job after expool exited: %v %v", left, err)
		}
	}
	return true
}

// waitInitReaps returns what is left in the process groups, but for the
// zombies that init has yet to reap: on Slurm, a job's processes are
// slurmstepd's descendants, and those it orphaned go to init. It waits for
// those at most 10 s.
func waitInitReaps(pgids []int) []string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := testproc.GroupMembers(pgids...)
		orphans := 0
		for _, p := range left {
			if strings.Contains(p, " state Z ppid 1 ") {
				orphans++
			}
		}
		if orphans == 0 || orphans < len(left) || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}
