package pool_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"expool/pool"
	"expool/records"
)

// recorder is an Observer that writes down what it hears.
type recorder struct{ heard []string }

func (r *recorder) JobExecuted(j *pool.Job)    { r.note("executed", j.Name) }
func (r *recorder) AttemptStarted(j *pool.Job) { r.note("started", j.Name) }
func (r *recorder) AttemptEnded(j *pool.Job, st pool.Status) {
	r.note("ended", j.Name+" "+string(st))
}
func (r *recorder) JobFinished(j *pool.Job) { r.note("finished", j.Name+" "+string(j.Status)) }
func (r *recorder) note(what, detail string) {
	r.heard = append(r.heard, what+" "+detail)
}

// lostLauncher starts processes whose end it cannot tell: Wait fails.
type lostLauncher struct{}

type lostProcess struct{}

var errLost = errors.New("lost track of the process")

func (lostLauncher) Launch(*pool.Command) (pool.Process, error) { return lostProcess{}, nil }
func (lostProcess) Pid() int                                    { return 1 << 22 }
func (lostProcess) Signal(syscall.Signal) error                 { return os.ErrProcessDone }
func (lostProcess) Wait() (pool.Exit, error)                    { return pool.Exit{}, errLost }

// An attempt whose Wait fails has started, so it ends too: the observers
// hear of its end (the tally's running count and the timeline's lane are
// freed), and the job ends "error" with Wait's error.
func TestWaitErrorEndsAttempt(t *testing.T) {
	l, err := pool.NewLoop(lostLauncher{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rec, tally := &recorder{}, records.NewTally(true)
	logPath := filepath.Join(t.TempDir(), "joblog")
	joblog, err := records.OpenJobLog(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer joblog.Close()
	l.Observers = []pool.Observer{rec, tally, joblog}
	p := newPoolOf(t, l, pool.Config{Name: "lost", Workers: 1})
	j := &pool.Job{Name: "j", Args: []string{"anything"}}
	execute(t, p, j)
	join(t, p)
	if j.Status != pool.StatusError || !strings.Contains(j.Error, errLost.Error()) || ran(j) {
		t.Errorf("status %s, error %q, ran %v; want error, %q, no returncode", j.Status, j.Error, ran(j), errLost)
	}
	want := "executed j, started j, ended j error, finished j error"
	if got := strings.Join(rec.heard, ", "); got != want {
		t.Errorf("the observer heard %q, want %q", got, want)
	}
	if c := tally.Counts(); c.Running != 0 || c.Finished != 1 {
		t.Errorf("the tally counts %d running, %d finished; want 0, 1", c.Running, c.Finished)
	}
	var page strings.Builder
	if err := tally.WriteTimeline(&page, "lost"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(page.String(), `<rect class="bar"`); n != 1 {
		t.Errorf("the timeline has %d bars, want 1", n)
	}
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if f := strings.Split(lines[len(lines)-1], "\t"); len(lines) != 2 || len(f) < 8 || f[5] != "-" || f[7] != "error" {
		t.Errorf("the job log has %q, want the header and one line: exit -, status error", b)
	}
}

// A pool's own launcher starts its jobs rather than the loop's.
func TestPoolLauncher(t *testing.T) {
	l := newLoop(t)
	p := newPoolOf(t, l, pool.Config{Name: "lost", Workers: 1, Launcher: lostLauncher{}})
	j := &pool.Job{Name: "j", Args: []string{"anything"}}
	execute(t, p, j)
	join(t, p)
	if j.Status != pool.StatusError || !strings.Contains(j.Error, errLost.Error()) {
		t.Errorf("status %s, error %q: not started by the pool's launcher", j.Status, j.Error)
	}
}

// startingLauncher starts processes whose start is under way when Launch
// returns (pool.Starting): the test says when each has started, or that it
// could not.
type startingLauncher struct{ launched chan *startingProcess }

type startingProcess struct {
	c       *pool.Command
	mu      sync.Mutex
	pid     int
	held    []syscall.Signal // signals before the start
	sent    []syscall.Signal // signals after it
	ended   chan struct{}
	exit    pool.Exit
	waitErr error
}

func (l *startingLauncher) Launch(c *pool.Command) (pool.Process, error) {
	p := &startingProcess{c: c, ended: make(chan struct{})}
	l.launched <- p
	return p, nil
}

func (p *startingProcess) Starting() {}
func (p *startingProcess) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}
func (p *startingProcess) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pid == 0 {
		p.held = append(p.held, sig)
	} else {
		p.sent = append(p.sent, sig)
	}
	return nil
}
func (p *startingProcess) Wait() (pool.Exit, error) {
	<-p.ended
	return p.exit, p.waitErr
}

// start has p start at t, as pid, with the signals held back sent.
func (p *startingProcess) start(pid int, t time.Time) {
	p.mu.Lock()
	p.pid = pid
	p.sent, p.held = append(p.sent, p.held...), nil
	p.mu.Unlock()
	p.c.Started(t)
}

func (p *startingProcess) end(e pool.Exit, err error) {
	p.exit, p.waitErr = e, err
	close(p.ended)
}

// A process whose start is under way begins its attempt when its launcher
// says it has started, from then; one that could not start ends its job
// "error" with no attempt, as a failed Launch does; a stop asked for
// meanwhile reaches it once it has started.
func TestStartingProcesses(t *testing.T) {
	launcher := &startingLauncher{launched: make(chan *startingProcess, 3)}
	l, err := pool.NewLoop(launcher)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rec := &recorder{}
	l.Observers = []pool.Observer{rec}
	p := newPoolOf(t, l, pool.Config{Name: "starting", Workers: 3, KillGrace: time.Hour})
	runs := &pool.Job{Name: "runs", Args: []string{"x"}}
	fails := &pool.Job{Name: "fails", Args: []string{"x"}}
	execute(t, p, runs, fails)
	pr, pf := <-launcher.launched, <-launcher.launched
	if runs.Last != nil || fails.Last != nil {
		t.Fatal("an attempt began before its process started")
	}
	began := time.Now().Add(-time.Second)
	pr.start(101, began)
	pr.end(pool.Exit{Code: 0, Stop: began.Add(2 * time.Second)}, nil)
	pf.end(pool.Exit{}, &pool.StartError{Err: errors.New("exec: no format the kernel runs")})
	join(t, p)
	wantStatus(t, runs, pool.StatusDone, 0)
	if !runs.Last.Start.Equal(began) || runs.Last.PID != 101 {
		t.Errorf("runs began at %v as %d, want at %v as 101", runs.Last.Start, runs.Last.PID, began)
	}
	if fails.Status != pool.StatusError || fails.Last != nil || fails.Error != "exec: no format the kernel runs" {
		t.Errorf("fails: %s, attempt %v, error %q; want error, no attempt, the start's error", fails.Status, fails.Last, fails.Error)
	}
	for _, heard := range rec.heard {
		if heard == "started fails" || strings.HasPrefix(heard, "ended fails") {
			t.Errorf("observers heard %q of a job that never started", heard)
		}
	}

	// Stopped while it starts: the SIGTERM is held back until it has.
	stopped := &pool.Job{Name: "stopped", Args: []string{"x"}}
	execute(t, p, stopped)
	ps := <-launcher.launched
	l.Interrupt("the test", false)
	ps.start(103, time.Now())
	ps.end(pool.Exit{Code: -int(syscall.SIGTERM)}, nil)
	join(t, p)
	if stopped.Status != pool.StatusTerminated || len(ps.sent) != 1 || ps.sent[0] != syscall.SIGTERM {
		t.Errorf("stopped: %s, signals %v; want terminated by a SIGTERM held back until its start", stopped.Status, ps.sent)
	}
}
