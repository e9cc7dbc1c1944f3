package pool_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"expool/pool"
)

// countdown is a job whose attempts run the shell commands of steps in
// turn: the first attempt steps[0], the second steps[1], and so on. Each
// attempt first adds a line to the file that j.Owner names.
func countdown(t *testing.T, name string, retries int, steps ...string) *pool.Job {
	counter := filepath.Join(t.TempDir(), "attempts")
	script := `n=$(cat "$0" 2>/dev/null | wc -l); echo x >> "$0"; case $n in`
	for i, s := range steps {
		script += " " + string(rune('0'+i)) + ") " + s + ";;"
	}
	script += " esac"
	j := &pool.Job{Name: name, Args: []string{"sh", "-c", script, counter}, MaxRestarts: -1, Owner: counter}
	j.More().Retries = retries
	return j
}

// A job that ends "failed" starts again, up to its retries: each retry is an
// attempt of its own, which the observers hear of, counted in restarts, with
// onstart before it.
func TestRetries(t *testing.T) {
	l := newLoop(t)
	rec := &recorder{}
	l.Observers = []pool.Observer{rec}
	p := newPoolOf(t, l, pool.Config{Name: "retries", Workers: 4, KillGrace: time.Second, PipeLimit: pool.DefaultPipeLimit})
	third := countdown(t, "third", 3, "exit 1", "exit 2", "exit 0", "exit 4")
	starts := 0
	third.OnStart = func(*pool.Job) error { starts++; return nil }
	never := countdown(t, "never", 2, "exit 1", "exit 2", "exit 3", "exit 0")
	none := countdown(t, "none", 0, "exit 5", "exit 0")
	execute(t, p, third, never, none)
	join(t, p)
	wantStatus(t, third, pool.StatusDone, 0)
	wantStatus(t, never, pool.StatusFailed, 3)
	wantStatus(t, none, pool.StatusFailed, 5)
	if third.Restarts != 2 || starts != 3 || never.Restarts != 2 || none.Restarts != 0 {
		t.Errorf("restarts %d (onstart ran %d times), %d, %d; want 2 (3), 2, 0", third.Restarts, starts, never.Restarts, none.Restarts)
	}
	var ends []string
	for _, h := range rec.heard {
		if strings.HasPrefix(h, "ended third") {
			ends = append(ends, h)
		}
	}
	if strings.Join(ends, ", ") != "ended third failed, ended third failed, ended third done" {
		t.Errorf("the observers heard %v", ends)
	}
}

// Retries are not restarts after a timeout: maxrestarts does not count them.
func TestRetriesAndRestarts(t *testing.T) {
	p := newPool(t, 1)
	j := countdown(t, "both", 1, "exit 1", "exec sleep 30", "exit 0")
	j.Timeout, j.RestartOnTimeout, j.MaxRestarts = 500*time.Millisecond, true, 1
	execute(t, p, j)
	join(t, p)
	wantStatus(t, j, pool.StatusDone, 0)
	if j.Restarts != 2 {
		t.Errorf("restarts %d, want 2: a retry, then a restart after the timeout", j.Restarts)
	}
}

// A job expool terminated, or that could not start, is not retried.
func TestNoRetryAfterTerminateOrError(t *testing.T) {
	p := newPool(t, 2)
	long := countdown(t, "long", 3, "exec sleep 30", "exit 0")
	missing := &pool.Job{Name: "missing", Args: []string{"no-such-program-of-expool"}, MaxRestarts: -1}
	missing.More().Retries = 3
	execute(t, p, long, missing)
	waitLines(t, long.Owner.(string), 1) // long is running
	if err := p.Terminate(t.Context(), "pool:terminate()"); err != nil {
		t.Fatal(err)
	}
	if long.Status != pool.StatusTerminated || long.Restarts != 0 || missing.Status != pool.StatusError || missing.Restarts != 0 {
		t.Errorf("long %s after %d restarts, missing %s after %d: want terminated, error, neither retried",
			long.Status, long.Restarts, missing.Status, missing.Restarts)
	}
}
