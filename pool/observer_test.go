package pool_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

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
