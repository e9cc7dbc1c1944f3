package pool_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"expool/internal/testproc"
	"expool/pool"
)

func TestMain(m *testing.M) { testproc.TestMain(m) }

// child is a job that runs testproc with args.
func child(name string, args ...string) *pool.Job { return testproc.Job(name, args...) }

func newLoop(t *testing.T) *pool.Loop { return testproc.Loop(t) }

func newPool(t *testing.T, workers int) *pool.Pool {
	return newPoolOf(t, newLoop(t), pool.Config{Name: "test", Workers: workers, KillGrace: time.Second, PipeLimit: pool.DefaultPipeLimit})
}

// newPoolOf is l.NewPool, which must succeed.
func newPoolOf(t testing.TB, l *pool.Loop, c pool.Config) *pool.Pool { return testproc.Pool(t, l, c) }

func join(t *testing.T, p *pool.Pool) bool {
	t.Helper()
	ok, err := p.Join(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func execute(t *testing.T, p *pool.Pool, jobs ...*pool.Job) {
	t.Helper()
	for _, j := range jobs {
		if err := p.Execute(j); err != nil {
			t.Fatal(err)
		}
	}
}

func wantStatus(t *testing.T, j *pool.Job, st pool.Status, code int) {
	t.Helper()
	got, ran := j.ReturnCode()
	if j.Status != st || !ran || got != code {
		t.Errorf("job %s: status %s, returncode %d (ran %v), want %s, %d (error %q)", j.Name, j.Status, got, ran, st, code, j.Error)
	}
}

// ran reports whether the job's process (or stub) ran to an end.
func ran(j *pool.Job) bool {
	_, ok := j.ReturnCode()
	return ok
}

// pidsIn reads the "PID PGID" lines that testproc -pidfile wrote.
func pidsIn(t *testing.T, path string) (pids, pgids []int) {
	t.Helper()
	pids, pgids, err := testproc.ReadPids(path)
	if err != nil {
		t.Fatal(err)
	}
	return pids, pgids
}

// waitLines waits until the file at path has n lines.
func waitLines(t *testing.T, path string, n int) {
	t.Helper()
	if err := testproc.WaitLines(path, n, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

func wantNoGroup(t *testing.T, pgid int) {
	t.Helper()
	if left := testproc.Left(pgid); len(left) > 0 {
		t.Errorf("process group %d still has processes (pid state): %v", pgid, left)
	}
}

// setUpMargin is a timeout that leaves a job time to set up (ignore SIGTERM,
// start a grandchild, write its pid file) on a loaded machine.
const setUpMargin = time.Second

func TestStatuses(t *testing.T) {
	p := newPool(t, 4)
	done := child("done", "exit", "0")
	failed := child("failed", "exit", "3")
	pidfile := filepath.Join(t.TempDir(), "pids")
	signalled := child("signalled", "-pidfile", pidfile, "sleep", "30")
	missing := &pool.Job{Name: "missing", Args: []string{"no-such-program-expool"}, MaxRestarts: -1}
	nodir := child("nodir", "exit", "0")
	nodir.Workdir = filepath.Join(t.TempDir(), "absent")
	stub := &pool.Job{Name: "stub", MaxRestarts: -1}
	execute(t, p, done, failed, signalled, missing, nodir, stub)
	// Something other than expool kills the job: "failed". (It runs,
	// though the loop, which runs in join, has not yet heard that it
	// started.)
	waitLines(t, pidfile, 1)
	pids, _ := pidsIn(t, pidfile)
	syscall.Kill(pids[0], syscall.SIGKILL)
	if !join(t, p) {
		t.Fatal("join reported a timeout")
	}
	wantStatus(t, done, pool.StatusDone, 0)
	wantStatus(t, failed, pool.StatusFailed, 3)
	wantStatus(t, signalled, pool.StatusFailed, -9)
	wantStatus(t, stub, pool.StatusDone, 0)
	for _, j := range []*pool.Job{missing, nodir} {
		if j.Status != pool.StatusError || ran(j) {
			t.Errorf("job %s: status %s ran %v, want error, not ran", j.Name, j.Status, ran(j))
		}
	}
	if !strings.Contains(missing.Error, "no-such-program-expool") || !strings.Contains(nodir.Error, "absent") {
		t.Errorf("errors do not name the path: %q, %q", missing.Error, nodir.Error)
	}
	if len(p.Failures) != 4 {
		t.Errorf("%d failures, want 4 (failed, signalled, missing, nodir)", len(p.Failures))
	}
	if done.Last.Rusage.MaxRSS <= 0 || done.Last.Stop.Before(done.Last.Start) {
		t.Errorf("rusage %+v, tstart %v, tstop %v", done.Last.Rusage, done.Last.Start, done.Last.Stop)
	}
}

func TestCallbackOrder(t *testing.T) {
	p := newPool(t, 2)
	var log []string
	mk := func(j *pool.Job) *pool.Job {
		j.OnStart = func(j *pool.Job) error { log = append(log, "start "+j.Name); return nil }
		j.OnDone = func(j *pool.Job) { log = append(log, "done "+j.Name) }
		j.OnFinish = func(j *pool.Job) { log = append(log, "finish "+j.Name+" "+string(j.Status)) }
		return j
	}
	ok := mk(child("ok", "exit", "0"))
	bad := mk(child("bad", "exit", "1"))
	execute(t, p, ok)
	if err := p.ExecuteWait(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	join(t, p)
	got := strings.Join(log, ", ")
	for _, want := range []string{"start ok", "done ok", "finish ok done", "start bad", "finish bad failed"} {
		if strings.Count(got, want) != 1 {
			t.Errorf("log %q: want %q once", got, want)
		}
	}
	if strings.Contains(got, "done bad") {
		t.Errorf("log %q: ondone ran for a failed job", got)
	}
	if strings.Index(got, "done ok") > strings.Index(got, "finish ok") {
		t.Errorf("log %q: onfinish before ondone", got)
	}
}

func TestTimeout(t *testing.T) {
	p := newPool(t, 1)
	pidfile := filepath.Join(t.TempDir(), "pids")
	j := child("slow", "-pidfile", pidfile, "-grandchild", "sleep", "30")
	j.Timeout = setUpMargin
	begin := time.Now()
	execute(t, p, j)
	join(t, p)
	wantStatus(t, j, pool.StatusTimeout, -int(syscall.SIGTERM))
	// The bound is generous for a loaded machine; the benchmark measures the real overshoot.
	if d := j.Last.Stop.Sub(j.Last.Start); d < j.Timeout || time.Since(begin) > j.Timeout+5*time.Second {
		t.Errorf("ran %v for a timeout of %v", d, j.Timeout)
	}
	_, pgids := pidsIn(t, pidfile)
	for _, g := range pgids {
		wantNoGroup(t, g)
	}
}

func TestKillGrace(t *testing.T) {
	l := newLoop(t)
	p := newPoolOf(t, l, pool.Config{Workers: 1, KillGrace: 200 * time.Millisecond, PipeLimit: 1 << 10})
	pidfile := filepath.Join(t.TempDir(), "pids")
	j := child("stubborn", "-pidfile", pidfile, "-ignore-term", "-grandchild", "sleep", "30")
	j.Timeout = setUpMargin
	execute(t, p, j)
	join(t, p)
	wantStatus(t, j, pool.StatusTimeout, -int(syscall.SIGKILL))
	if d := j.Last.Stop.Sub(j.Last.Start); d < j.Timeout+200*time.Millisecond {
		t.Errorf("killed after %v, before timeout + killgrace", d)
	}
	_, pgids := pidsIn(t, pidfile)
	wantNoGroup(t, pgids[0])
}

func TestRestart(t *testing.T) {
	p := newPool(t, 1)
	starts := 0
	j := child("flaky", "sleep", "30")
	j.Timeout = 100 * time.Millisecond
	j.RestartOnTimeout = true
	j.MaxRestarts = 2
	j.OnStart = func(*pool.Job) error { starts++; return nil }
	finishes := 0
	j.OnFinish = func(*pool.Job) { finishes++ }
	execute(t, p, j)
	join(t, p)
	wantStatus(t, j, pool.StatusTimeout, -int(syscall.SIGTERM))
	if j.Restarts != 2 || starts != 3 || finishes != 1 {
		t.Errorf("restarts %d, onstart %d times, onfinish %d times; want 2, 3, 1", j.Restarts, starts, finishes)
	}
}

func TestOnStartError(t *testing.T) {
	p := newPool(t, 1)
	j := child("refused", "exit", "0")
	j.OnStart = func(*pool.Job) error { return errors.New("not today") }
	finished := false
	j.OnFinish = func(*pool.Job) { finished = true }
	execute(t, p, j)
	join(t, p)
	if j.Status != pool.StatusError || ran(j) || !finished || !strings.Contains(j.Error, "not today") {
		t.Errorf("status %s ran %v finished %v error %q", j.Status, ran(j), finished, j.Error)
	}
}

func TestOutputs(t *testing.T) {
	dir := t.TempDir()
	l := newLoop(t)
	p := newPoolOf(t, l, pool.Config{Workers: 4, KillGrace: time.Second, PipeLimit: 1000})
	piped := child("piped", "print", "100")
	piped.Stdout, piped.Stderr = pool.Pipe, pool.Pipe
	capped := child("capped", "print", "5000")
	capped.Stdout = pool.Pipe
	merged := child("merged", "printerr", "10")
	merged.Stdout, merged.Stderr = pool.Pipe, pool.Stdout
	file := filepath.Join(dir, "sub", "dir", "out.txt")
	both := child("both", "printerr", "64")
	both.Stdout, both.Stderr = pool.File(file), pool.File(file)
	again := child("again", "print", "64")
	again.Stdout, again.Stderr = pool.File(file), pool.Stdout
	binary := child("binary", "binary", "3")
	binary.Stdout = pool.Pipe
	null := child("null", "print", "100")
	null.Stdout = pool.DevNull
	execute(t, p, piped, capped, merged, binary, null)
	if err := p.ExecuteWait(context.Background(), both); err != nil {
		t.Fatal(err)
	}
	execute(t, p, again)
	join(t, p)
	if len(piped.Last.Output) != 100 || piped.Last.ErrOutput == nil || len(piped.Last.ErrOutput) != 0 {
		t.Errorf("piped: %d bytes out, err %q", len(piped.Last.Output), piped.Last.ErrOutput)
	}
	if !bytes.HasPrefix(capped.Last.Output, testproc.Printed(1000)) || !bytes.Contains(capped.Last.Output, []byte("4000 more bytes discarded")) {
		t.Errorf("capped: %q", capped.Last.Output)
	}
	if len(merged.Last.Output) != 10 || merged.Last.ErrOutput != nil {
		t.Errorf("merged: out %q err %q", merged.Last.Output, merged.Last.ErrOutput)
	}
	want := bytes.Repeat(func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}(), 3)
	if !bytes.Equal(binary.Last.Output, want) {
		t.Errorf("binary output differs: %d bytes", len(binary.Last.Output))
	}
	if null.Last.Output != nil {
		t.Errorf("devnull job has output %q", null.Last.Output)
	}
	b, err := os.ReadFile(file)
	if err != nil || len(b) != 128 {
		t.Errorf("file %s: %d bytes, err %v; want 128 appended by two jobs", file, len(b), err)
	}
}

func TestUnwritableOutput(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o666)
	p := newPool(t, 1)
	j := child("blocked", "exit", "0")
	j.Stdout = pool.File(filepath.Join(blocker, "out.txt")) // a file is in the way of the directory
	execute(t, p, j)
	join(t, p)
	if j.Status != pool.StatusError || !strings.Contains(j.Error, "stdout") || !strings.Contains(j.Error, blocker) {
		t.Errorf("status %s error %q", j.Status, j.Error)
	}
}

func TestTasks(t *testing.T) {
	p := newPool(t, 2)
	var log []string
	mkTask := func(name string, parent *pool.Task) *pool.Task {
		return &pool.Task{Name: name, Parent: parent,
			OnStart: func(t *pool.Task) { log = append(log, "start "+t.Name) },
			OnDone:  func(t *pool.Task) { log = append(log, "done "+t.Name) },
			OnFinish: func(t *pool.Task) {
				log = append(log, fmt.Sprintf("finish %s %s %d/%d/%d", t.Name, t.Status, t.NumAdded, t.NumDone, t.NumTerm))
			},
		}
	}
	outer := mkTask("outer", nil)
	inner := mkTask("inner", outer)
	a := child("a", "exit", "0")
	a.Task = outer
	b := child("b", "exit", "0")
	b.Task = inner
	// b's ondone adds c to inner: inner stays open until c is done.
	b.OnDone = func(*pool.Job) {
		c := child("c", "exit", "1")
		c.Task = inner
		execute(t, p, c)
	}
	execute(t, p, a, b)
	join(t, p)
	got := strings.Join(log, ", ")
	want := []string{"start outer", "start inner", "finish inner failed 2/1/1", "finish outer failed 2/1/1"}
	for _, w := range want {
		if strings.Count(got, w) != 1 {
			t.Errorf("log %q: want %q once", got, w)
		}
	}
	if strings.Index(got, "finish inner") > strings.Index(got, "finish outer") {
		t.Errorf("log %q: outer finished before inner", got)
	}
	late := child("late", "exit", "0")
	late.Task = inner
	if err := p.Execute(late); !errors.Is(err, pool.ErrTaskFinished) {
		t.Errorf("execute into a finished task: %v, want pool.ErrTaskFinished", err)
	}
}

func TestTaskTimeout(t *testing.T) {
	p := newPool(t, 1)
	task := &pool.Task{Name: "bounded", Timeout: 300 * time.Millisecond}
	sub := &pool.Task{Name: "sub", Parent: task}
	running := child("running", "sleep", "30")
	running.Task = sub
	queued := child("queued", "sleep", "30")
	queued.Task = task
	execute(t, p, running, queued)
	join(t, p)
	wantStatus(t, running, pool.StatusTerminated, -int(syscall.SIGTERM))
	if queued.Status != pool.StatusCancelled || ran(queued) {
		t.Errorf("queued: status %s ran %v", queued.Status, ran(queued))
	}
	if task.Status != pool.StatusTimeout || sub.Status != pool.StatusFailed || task.NumTerm != 2 {
		t.Errorf("task %s (numterm %d), subtask %s", task.Status, task.NumTerm, sub.Status)
	}
}

func TestJoinTimeout(t *testing.T) {
	p := newPool(t, 1)
	running := child("running", "sleep", "30")
	queued := child("queued", "sleep", "30")
	execute(t, p, running, queued)
	ok, err := p.Join(context.Background(), 300*time.Millisecond)
	if ok || err != nil {
		t.Fatalf("join: %v, %v; want false, nil", ok, err)
	}
	wantStatus(t, running, pool.StatusTerminated, -int(syscall.SIGTERM))
	if queued.Status != pool.StatusCancelled {
		t.Errorf("queued: %s", queued.Status)
	}
	// The pool can be used again.
	again := child("again", "exit", "0")
	execute(t, p, again)
	if !join(t, p) || again.Status != pool.StatusDone {
		t.Errorf("after a join timeout: %s", again.Status)
	}
}

func TestExecuteWaitRunsOthers(t *testing.T) {
	p := newPool(t, 1)
	first := child("first", "sleep", "0.1")
	finished := false
	first.OnFinish = func(*pool.Job) { finished = true }
	execute(t, p, first)
	sync := child("sync", "sleep", "0.5")
	if err := p.ExecuteWait(context.Background(), sync); err != nil {
		t.Fatal(err)
	}
	if !finished || sync.Status != pool.StatusDone {
		t.Errorf("the worker's job did not finish while the synchronous one ran (%v, %s)", finished, sync.Status)
	}
	if err := p.Execute(sync); !errors.Is(err, pool.ErrExecuted) {
		t.Errorf("executing a job twice: %v", err)
	}
}

func TestStartDelay(t *testing.T) {
	p := newPool(t, 2)
	a := child("a", "exit", "0")
	a.StartDelay = 300 * time.Millisecond
	b := child("b", "exit", "0")
	execute(t, p, a, b)
	join(t, p)
	if gap := b.Last.Start.Sub(a.Last.Start); gap < a.StartDelay {
		t.Errorf("b started %v after a, within a's startdelay %v", gap, a.StartDelay)
	}
}

func TestInterrupt(t *testing.T) {
	l := newLoop(t)
	p := newPoolOf(t, l, pool.Config{Workers: 1, KillGrace: 10 * time.Second})
	pidfile := filepath.Join(t.TempDir(), "pids")
	running := child("running", "-pidfile", pidfile, "-ignore-term", "-grandchild", "sleep", "30")
	queued := child("queued", "sleep", "30")
	execute(t, p, running, queued)
	waitLines(t, pidfile, 2)
	l.Interrupt("SIGINT", false)
	l.Interrupt("SIGINT", false) // a repeated call alone does not hurry
	l.Interrupt("SIGINT", true)  // a second signal: no grace period
	begin := time.Now()
	if err := l.Shutdown(context.Background(), "the test ended"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("shutdown took %v despite the second interrupt", d)
	}
	wantStatus(t, running, pool.StatusTerminated, -int(syscall.SIGKILL))
	if queued.Status != pool.StatusCancelled {
		t.Errorf("queued: %s", queued.Status)
	}
	_, pgids := pidsIn(t, pidfile)
	wantNoGroup(t, pgids[0])
	late := child("late", "exit", "0")
	execute(t, p, late)
	join(t, p)
	if late.Status != pool.StatusCancelled {
		t.Errorf("a job executed after the interrupt: %s", late.Status)
	}
}

func TestTerminate(t *testing.T) {
	p := newPool(t, 1)
	running := child("running", "sleep", "30")
	queued := child("queued", "sleep", "30")
	execute(t, p, running, queued)
	if err := p.Terminate(context.Background(), "pool:terminate()"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, running, pool.StatusTerminated, -int(syscall.SIGTERM))
	if queued.Status != pool.StatusCancelled {
		t.Errorf("queued: %s", queued.Status)
	}
}

func TestNormalExitKillsGroup(t *testing.T) {
	p := newPool(t, 1)
	pidfile := filepath.Join(t.TempDir(), "pids")
	j := child("leaver", "-pidfile", pidfile, "-grandchild", "exit", "0")
	j.Stdout = pool.Pipe
	execute(t, p, j)
	join(t, p)
	wantStatus(t, j, pool.StatusDone, 0)
	_, pgids := pidsIn(t, pidfile)
	wantNoGroup(t, pgids[0])
}

func TestEnvAndWorkdir(t *testing.T) {
	dir := t.TempDir()
	p := newPool(t, 2)
	env := child("env", "env", "EXPOOL_TEST_VAR")
	env.Env["EXPOOL_TEST_VAR"] = "forty two"
	env.Stdout = pool.Pipe
	wd := child("wd", "pwd")
	wd.Workdir = dir
	wd.Stdout = pool.Pipe
	execute(t, p, env, wd)
	join(t, p)
	if string(env.Last.Output) != "forty two\n" {
		t.Errorf("env: %q", env.Last.Output)
	}
	if real, _ := filepath.EvalSymlinks(dir); strings.TrimSpace(string(wd.Last.Output)) != real && strings.TrimSpace(string(wd.Last.Output)) != dir {
		t.Errorf("workdir: %q, want %q", wd.Last.Output, dir)
	}
}

// A job's onstart that joins or terminates its own pool must not wait for the
// job itself, which cannot end before onstart returns. A terminate there
// cancels the job being started.
func TestJoinAndTerminateInOnStart(t *testing.T) {
	p := newPool(t, 2)
	var joined bool
	j := child("joiner", "exit", "0")
	j.OnStart = func(*pool.Job) error {
		ok, err := p.Join(context.Background(), 50*time.Millisecond)
		joined = ok && err == nil
		return err
	}
	execute(t, p, j)
	join(t, p)
	if !joined || j.Status != pool.StatusDone {
		t.Errorf("join in onstart: %v; the job ended %s", joined, j.Status)
	}

	other := child("other", "sleep", "30")
	k := child("terminator", "exit", "0")
	k.OnStart = func(*pool.Job) error { return p.Terminate(context.Background(), "pool:terminate()") }
	execute(t, p, other, k)
	join(t, p)
	if other.Status != pool.StatusTerminated || k.Status != pool.StatusCancelled || ran(k) {
		t.Errorf("terminate in onstart: other %s, the job itself %s (ran %v), want terminated, cancelled", other.Status, k.Status, ran(k))
	}
}

// A join nested in a callback must start the jobs queued behind the one whose
// callback it is in: the worker that job freed is theirs.
func TestJoinInOnFinishStartsQueued(t *testing.T) {
	p := newPool(t, 1)
	// The loop runs on another goroutine, so that a join that waits forever
	// can be cancelled; the test's goroutine only waits for it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := child("first", "exit", "0")
	second := child("second", "exit", "0")
	first.OnFinish = func(*pool.Job) {
		if _, err := p.Join(ctx, 0); err != nil {
			t.Error(err)
		}
		if !second.Finished() {
			t.Errorf("the nested join returned before the queued job ran: %s", second.Status)
		}
	}
	execute(t, p, first, second)
	joined := make(chan error, 1)
	go func() {
		_, err := p.Join(ctx, 0)
		joined <- err
	}()
	select {
	case err := <-joined:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		cancel()
		<-joined
		t.Fatal("join in onfinish waits forever for the queued job")
	}
}
