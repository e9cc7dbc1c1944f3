package slurm

import (
	"context"
	"errors"
	"fmt"
	"golang.org/x/sys/unix"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"expool/internal/slurmtest"
	"expool/internal/testproc"
	"expool/pool"
)

const childEnv = "EXPOOL_TESTPROC"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		testproc.Main()
	}
	if len(os.Args) == 3 && os.Args[1] == watchdogArg {
		if err := Watchdog(os.Args[2], os.Stdin); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	// The forkers live as long as the process, by design.
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("expool/pool/local.forker"),
		goleak.IgnoreTopFunction("expool/pool/slurm.forker"))
}

// watchdogArg runs the test binary as the launcher's watchdog.
const watchdogArg = "--slurm-watchdog"

// child is a job that runs testproc with args.
func child(name string, args ...string) *pool.Job {
	return &pool.Job{
		Name:        name,
		Args:        append([]string{os.Args[0]}, args...),
		Env:         map[string]string{childEnv: "1", "GORACE": "atexit_sleep_ms=0"},
		MaxRestarts: -1,
	}
}

// setup makes a loop whose pool runs its jobs on Slurm; at the end of the
// test it closes all and checks that squeue shows nothing of the run.
func setup(t *testing.T, c pool.Config) (*pool.Pool, *Launcher) {
	t.Helper()
	slurmtest.Skip(t)
	t.Parallel()
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	loop, err := pool.NewLoop(noLauncher{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := loop.Shutdown(context.Background(), "the test ended"); err != nil {
			t.Error(err)
		}
		loop.Close()
		if err := l.Close(); err != nil {
			t.Error(err)
		}
		if left, err := slurmtest.Jobs("expool-" + l.Run() + "-"); err != nil || len(left) > 0 {
			t.Errorf("squeue shows the run's jobs after Close: %v %v", left, err)
		}
	})
	if c.Workers == 0 {
		c.Workers = 4
	}
	if c.KillGrace == 0 {
		c.KillGrace = time.Second
	}
	c.Name, c.PipeLimit, c.Launcher = t.Name(), pool.DefaultPipeLimit, l
	return testproc.Pool(t, loop, c), l
}

// noLauncher is the loop's launcher: every pool here has the Slurm one.
// (A local one, closed at the end of one test, would reap the zombie srun
// of another: it reaps what its process left in other process groups.)
type noLauncher struct{}

func (noLauncher) Launch(*pool.Command) (pool.Process, error) {
	return nil, errors.New("not on Slurm")
}

func want(t *testing.T, j *pool.Job, st pool.Status, code int) {
	t.Helper()
	got, ran := j.ReturnCode()
	if j.Status != st || !ran || got != code {
		t.Errorf("job %s: status %s, returncode %d (ran: %v), error %q; want %s, %d", j.Name, j.Status, got, ran, j.Error, st, code)
	}
}

func wantError(t *testing.T, j *pool.Job, msg string) {
	t.Helper()
	if _, ran := j.ReturnCode(); j.Status != pool.StatusError || ran || !strings.Contains(j.Error, msg) {
		t.Errorf("job %s: status %s (ran: %v), error %q; want error containing %q", j.Name, j.Status, ran, j.Error, msg)
	}
}

func sh(name, script string) *pool.Job {
	return &pool.Job{Name: name, Args: []string{"sh", "-c", script}, MaxRestarts: -1}
}

func TestExitCodes(t *testing.T) {
	p, _ := setup(t, pool.Config{Workers: 8})
	jobs := []*pool.Job{
		child("zero", "exit", "0"),
		child("three", "exit", "3"),
		child("exit143", "exit", "143"),
		sh("term", "kill -TERM $$"),
		sh("segv", "kill -SEGV $$"),
		sh("kill", "kill -KILL $$"),
	}
	testproc.Run(t, p, jobs...)
	want(t, jobs[0], pool.StatusDone, 0)
	want(t, jobs[1], pool.StatusFailed, 3)
	want(t, jobs[2], pool.StatusFailed, 143)
	want(t, jobs[3], pool.StatusFailed, -15)
	want(t, jobs[4], pool.StatusFailed, -11)
	want(t, jobs[5], pool.StatusFailed, -9)
	for _, j := range jobs {
		if j.Last.PID == 0 || !j.Last.Rusage.Unknown {
			t.Errorf("job %s: pid %d, rusage %+v: want srun's pid, an unknown usage", j.Name, j.Last.PID, j.Last.Rusage)
		}
	}
}

func TestOutputs(t *testing.T) {
	p, _ := setup(t, pool.Config{})
	dir := t.TempDir()
	both := filepath.Join(dir, "both.log")
	pipes := child("pipes", "echo", "out")
	pipes.Stdout, pipes.Stderr = pool.Pipe, pool.Pipe
	errs := child("errs", "echoerr", "srun: looks like srun's", "but", "is", "not")
	errs.Stderr = pool.Pipe
	merged := sh("merged", "echo one; echo two >&2; echo three; exit 4")
	merged.Stdout, merged.Stderr = pool.Pipe, pool.Stdout
	file := sh("file", "echo to-file; echo err-to-file >&2")
	file.Stdout, file.Stderr = pool.File(both), pool.Stdout
	big := child("big", "printerr", "200000")
	big.Stderr = pool.Pipe
	testproc.Run(t, p, pipes, errs, merged, file, big)
	want(t, pipes, pool.StatusDone, 0)
	if string(pipes.Last.Output) != "out\n" || string(pipes.Last.ErrOutput) != "" {
		t.Errorf("pipes: output %q, erroutput %q", pipes.Last.Output, pipes.Last.ErrOutput)
	}
	// A line of the job's own that starts as srun's do but is not one of
	// srun's forms is passed on.
	if string(errs.Last.ErrOutput) != "srun: looks like srun's but is not\n" {
		t.Errorf("errs: erroutput %q", errs.Last.ErrOutput)
	}
	want(t, merged, pool.StatusFailed, 4)
	if out := string(merged.Last.Output); !sameLines(out, "one\ntwo\nthree\n") {
		t.Errorf("merged: output %q, want one two three, and nothing of srun's", out)
	}
	got, _ := os.ReadFile(both)
	if !sameLines(string(got), "to-file\nerr-to-file\n") {
		t.Errorf("file: %q", got)
	}
	if n := len(big.Last.ErrOutput); n != 200000 || strings.Trim(string(big.Last.ErrOutput), "x\n") != "" {
		t.Errorf("big: %d bytes of stderr, want 200000 bytes of x", n)
	}
}

// sameLines compares the lines of a and b in any order: stdout and stderr
// come through different paths.
func sameLines(a, b string) bool {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(la) != len(lb) {
		return false
	}
	count := map[string]int{}
	for i := range la {
		count[la[i]]++
		count[lb[i]]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// The timeout's SIGTERM reaches the task's handler; the job ends when the
// handler exits.
func TestTimeoutReachesHandler(t *testing.T) {
	p, _ := setup(t, pool.Config{KillGrace: 10 * time.Second})
	marker := filepath.Join(t.TempDir(), "term")
	j := child("handler", "-trap-term", marker, "sleep", "300")
	j.Timeout = 500 * time.Millisecond
	testproc.Run(t, p, j)
	want(t, j, pool.StatusTimeout, 3)
	if b, _ := os.ReadFile(marker); string(b) != "TERM\n" {
		t.Errorf("the handler wrote %q, want TERM", b)
	}
	d := j.Last.Stop.Sub(j.Last.Start)
	t.Logf("ended %v after its start", d)
	if d < j.Timeout || d > j.Timeout+2*time.Second {
		t.Errorf("ended %v after its start, want a little over %v", d, j.Timeout)
	}
}

// A task that ignores SIGTERM gets SIGKILL after killgrace, not before.
func TestKillGrace(t *testing.T) {
	p, _ := setup(t, pool.Config{KillGrace: 700 * time.Millisecond})
	j := child("stubborn", "-ignore-term", "sleep", "300")
	j.Timeout = 300 * time.Millisecond
	testproc.Run(t, p, j)
	want(t, j, pool.StatusTimeout, -9)
	if d := j.Last.Stop.Sub(j.Last.Start); d < time.Second || d > time.Second+srunGrace {
		t.Errorf("ended %v after its start, want timeout + killgrace (1 s) and a little", d)
	}
}

func TestRefusals(t *testing.T) {
	p, _ := setup(t, pool.Config{LauncherArgs: []string{"--partition=accounts"}})
	dir := t.TempDir()
	partition := child("partition", "exit", "0")
	partition.Extra = &pool.JobExtra{LauncherArgs: []string{"--partition=nope"}}
	account := child("account", "exit", "0")
	account.Extra = &pool.JobExtra{LauncherArgs: []string{"--account=nobody"}}
	cpus := child("cpus", "exit", "0")
	cpus.Extra = &pool.JobExtra{LauncherArgs: []string{"--partition=expool", "--cpus-per-task=1000"}}
	option := child("option", "exit", "0")
	option.Extra = &pool.JobExtra{LauncherArgs: []string{"--no-such-option"}}
	workdir := child("workdir", "exit", "0")
	workdir.Workdir = filepath.Join(dir, "missing")
	notfound := &pool.Job{Name: "notfound", Args: []string{"no-such-command-here"}, Extra: &pool.JobExtra{LauncherArgs: []string{"--partition=expool"}}}
	testproc.Run(t, p, partition, account, cpus, option, workdir, notfound)
	wantError(t, partition, "srun: invalid partition specified: nope; Unable to allocate resources: Invalid partition name specified")
	wantError(t, account, "srun: Unable to allocate resources: Invalid account or account/partition combination specified")
	wantError(t, cpus, "srun: Unable to allocate resources: More processors requested than permitted")
	wantError(t, option, "srun: unrecognized option '--no-such-option'")
	wantError(t, workdir, "workdir: stat "+workdir.Workdir+": no such file or directory")
	if workdir.Last != nil {
		t.Errorf("srun ran for a missing workdir")
	}
	wantError(t, notfound, "slurmstepd: execve(): no-such-command-here: No such file or directory")
}

// The workdir is the job's, as an absolute path; expool's by default.
func TestWorkdir(t *testing.T) {
	p, _ := setup(t, pool.Config{})
	dir := t.TempDir()
	here, _ := os.Getwd()
	in := child("in", "pwd")
	in.Workdir, in.Stdout = dir, pool.Pipe
	def := child("default", "pwd")
	def.Stdout = pool.Pipe
	testproc.Run(t, p, in, def)
	if string(in.Last.Output) != dir+"\n" || string(def.Last.Output) != here+"\n" {
		t.Errorf("pwd: %q and %q, want %q and %q", in.Last.Output, def.Last.Output, dir, here)
	}
}

// A job held in Slurm's queue is not timed out there: its timeout counts
// from the start of its task, and so does its tstart.
func TestTimeoutCountsFromTheTaskStart(t *testing.T) {
	p, l := setup(t, pool.Config{})
	j := child("held", "sleep", "300")
	j.Timeout = 500 * time.Millisecond
	j.Extra = &pool.JobExtra{LauncherArgs: []string{"--hold"}}
	if err := p.Execute(j); err != nil {
		t.Fatal(err)
	}
	var id string
	for deadline := time.Now().Add(10 * time.Second); id == ""; time.Sleep(20 * time.Millisecond) {
		var err error
		if id, err = slurmtest.JobID("-held"); err != nil && err != slurmtest.ErrNone || time.Now().After(deadline) {
			t.Fatalf("the held job is not in squeue: %v", err)
		}
	}
	_ = l
	time.Sleep(1500 * time.Millisecond) // held for three times its timeout
	released := time.Now()
	if out, err := exec.Command("scontrol", "release", id).CombinedOutput(); err != nil {
		t.Fatalf("scontrol release: %v: %s", err, out)
	}
	if _, err := p.Join(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	want(t, j, pool.StatusTimeout, -15)
	if j.Last.Start.Before(released) {
		t.Errorf("tstart %v is before the job was released at %v", j.Last.Start, released)
	}
	if d := j.Last.Stop.Sub(j.Last.Start); d < j.Timeout || d > j.Timeout+time.Second {
		t.Errorf("ran %v, want a little over its timeout, %v", d, j.Timeout)
	}
}

// A job waiting in Slurm's queue is terminated by ending its srun.
func TestTerminateQueued(t *testing.T) {
	p, _ := setup(t, pool.Config{})
	j := child("queued", "sleep", "300")
	j.Extra = &pool.JobExtra{LauncherArgs: []string{"--hold"}}
	if err := p.Execute(j); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := slurmtest.JobID("-queued"); err == nil {
			break
		} else if err != slurmtest.ErrNone || time.Now().After(deadline) {
			t.Fatalf("the held job is not in squeue: %v", err)
		}
	}
	if err := p.Terminate(context.Background(), "pool:terminate()"); err != nil {
		t.Fatal(err)
	}
	want(t, j, pool.StatusTerminated, -15)
}

// With slurmctld out of reach, a job ends "error" with Slurm's message.
func TestControllerDown(t *testing.T) {
	p, _ := setup(t, pool.Config{})
	conf, err := os.ReadFile(slurmConf())
	if err != nil {
		t.Skip("no slurm.conf to copy:", err)
	}
	dead := filepath.Join(t.TempDir(), "slurm.conf")
	var lines []string
	for _, line := range strings.Split(string(conf), "\n") {
		if !strings.HasPrefix(line, "SlurmctldPort=") && !strings.HasPrefix(line, "MessageTimeout=") {
			lines = append(lines, line)
		}
	}
	lines = append(lines, "SlurmctldPort=1", "MessageTimeout=1")
	if err := os.WriteFile(dead, []byte(strings.Join(lines, "\n")), 0o666); err != nil {
		t.Fatal(err)
	}
	j := child("down", "exit", "0")
	j.Env["SLURM_CONF"] = dead
	testproc.Run(t, p, j)
	wantError(t, j, "Unable to contact slurm controller")
}

func slurmConf() string {
	if c := os.Getenv("SLURM_CONF"); c != "" {
		return c
	}
	return "/etc/slurm/slurm.conf"
}

// When expool dies and takes srun and its shepherd with it, only the
// watchdog is left to cancel the job: it does, once its pipe from expool
// ends without a goodbye. (The launcher here is used without a loop, so
// that nothing waits for srun and cancels the job once it has died.)
func TestWatchdog(t *testing.T) {
	slurmtest.Skip(t)
	t.Parallel()
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	l.Watchdog = []string{os.Args[0], watchdogArg}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	proc, err := l.Launch(&pool.Command{Name: "orphaned", Args: []string{os.Args[0], "sleep", "300"},
		Env: append(os.Environ(), childEnv+"=1"), Stdin: devnull, Stdout: devnull, Stderr: devnull,
		LauncherArgs: []string{"--hold"}})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := slurmtest.JobID("-orphaned"); err == nil {
			break
		} else if err != slurmtest.ErrNone || time.Now().After(deadline) {
			t.Fatalf("the held job is not in squeue: %v", err)
		}
	}
	// As if expool were killed: its end of the pipe closes, and srun's
	// process group dies, srun's shepherd (which would cancel the job) with it.
	l.mu.Lock()
	l.dogPipe.Close()
	l.mu.Unlock()
	pid := proc.Pid()
	if err := unix.Kill(-pid, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	unix.Wait4(pid, nil, 0, nil)
	<-proc.(*process).done
	left, err := slurmtest.WaitGone("expool-"+l.Run()+"-", 30*time.Second)
	if err != nil || len(left) > 0 {
		t.Errorf("squeue still shows the run's job 30 s after the watchdog's pipe ended: %v %v", left, err)
	}
	l.Close()
}

// srun's command line: the resources the job asks for, a time limit a
// minute past its timeout, --exact inside an allocation, the pool's and
// the job's options last.
func TestArgv(t *testing.T) {
	l := &Launcher{}
	c := &pool.Command{Args: []string{"solver", "-x"}, CPUs: 4, MemLimit: 3<<30 + 1, Timeout: 90 * time.Second,
		LauncherArgs: []string{"--partition=p", "--exclusive"}}
	got := strings.Join(l.argv(c, "expool-r-1-j", "/w"), " ")
	want := "srun -v --job-name=expool-r-1-j --chdir=/w --ntasks=1 --cpus-per-task=4 --mem=3073M --time=3 --partition=p --exclusive -- solver -x"
	if got != want {
		t.Errorf("argv\n%s\nwant\n%s", got, want)
	}
	l.allocation = "42"
	got = strings.Join(l.argv(&pool.Command{Args: []string{"true"}}, "n", "/"), " ")
	if want := "srun -v --job-name=n --chdir=/ --ntasks=1 --exact -- true"; got != want {
		t.Errorf("argv in an allocation\n%s\nwant\n%s", got, want)
	}
}

// The CPUs and memory a job asks for reach Slurm: its pool's affinity as
// --cpus-per-task (not for a job that is not pinned), its memlimit as --mem;
// what the node cannot give is Slurm's refusal. The pool does not cap its
// workers by the CPUs here, nor pin or sample anything itself.
func TestResources(t *testing.T) {
	p, _ := setup(t, pool.Config{Affinity: 2, Workers: 3, MemSample: pool.DefaultMemSample})
	if p.Workers != 3 {
		t.Errorf("workers %d, want 3: Slurm places the jobs", p.Workers)
	}
	asks := func(name string) *pool.Job {
		return &pool.Job{Name: name, Args: []string{"sh", "-c",
			`echo "${SLURM_CPUS_PER_TASK:-unset} ${EXPOOL_CPUS:-unset} $(scontrol show job "$SLURM_JOB_ID" | grep -o 'NumCPUs=[^ ]*') $(scontrol show job "$SLURM_JOB_ID" | grep -o 'MinMemoryNode=[^ ]*')"`},
			Stdout: pool.Pipe, MaxRestarts: -1}
	}
	both := asks("both")
	both.More().MemLimit = 300 << 20
	unpinned := asks("unpinned")
	unpinned.More().Unpinned = true
	huge := asks("huge")
	huge.More().MemLimit = 1 << 40
	testproc.Run(t, p, both, unpinned, huge)
	if got := string(both.Last.Output); got != "2 unset NumCPUs=2 MinMemoryNode=300M\n" {
		t.Errorf("the task saw %q, want 2 CPUs per task, no EXPOOL_CPUS, 2 CPUs, 300M", got)
	}
	if both.Last.CPUs != nil || both.Last.PeakMem != 0 {
		t.Errorf("cpus %v, peakmem %d: want none, Slurm places and measures the job", both.Last.CPUs, both.Last.PeakMem)
	}
	if got := string(unpinned.Last.Output); !strings.HasPrefix(got, "unset unset NumCPUs=1 ") {
		t.Errorf("the unpinned task saw %q, want no CPUs per task asked for, 1 CPU", got)
	}
	wantError(t, huge, "srun: Memory specification can not be satisfied; Unable to allocate resources")
	if p.Memory() != 0 {
		t.Errorf("pool memory %d, want 0: nothing is sampled on Slurm", p.Memory())
	}
}

// A pool's memlimit needs samples, which Slurm's jobs do not give: an error
// that says to give each job a memlimit.
func TestPoolMemLimitRefused(t *testing.T) {
	loop, err := pool.NewLoop(noLauncher{})
	if err != nil {
		t.Fatal(err)
	}
	defer loop.Close()
	_, err = loop.NewPool(pool.Config{Launcher: &Launcher{}, MemLimit: 1 << 30, MemSample: pool.DefaultMemSample})
	if err == nil || !strings.Contains(err.Error(), "memlimit: ") || !strings.Contains(err.Error(), "give each job a memlimit") {
		t.Errorf("NewPool with a memlimit on Slurm: %v, want an error saying to give each job a memlimit", err)
	}
}
