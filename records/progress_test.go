package records

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"expool/pool"
)

// A line that reached 100% draws again when the script executes more jobs.
func TestProgressGoesOnAfterFull(t *testing.T) {
	tally := NewTally(false)
	var out bytes.Buffer
	p := StartProgress(tally, NewScreen(&out, &out))
	j := &pool.Job{Name: "j"}
	tally.JobExecuted(j)
	j.Status = pool.StatusDone
	tally.JobFinished(j)
	p.render()
	tally.JobExecuted(j)
	tally.JobExecuted(j)
	p.render()
	p.Stop()
	if !strings.Contains(out.String(), "(1/3)") {
		t.Errorf("the line did not go on after 1/1:\n%q", out.String())
	}
}

func TestDescribe(t *testing.T) {
	c := Counts{Executed: 10, Finished: 4, Running: 2, Pending: 4, Elapsed: 8 * time.Second,
		ByStatus: map[pool.Status]int{pool.StatusDone: 3, pool.StatusFailed: 1}}
	if got, want := describe(c), "3 done, 1 failed, 2 running, 4 pending, 0:08 elapsed, ETA 0:12"; got != want {
		t.Errorf("describe: %q, want %q", got, want)
	}
}

// Jobs that went over a memory limit have their count; attempts requeued to
// keep a pool under its limit have theirs.
func TestDescribeMemory(t *testing.T) {
	c := Counts{Executed: 10, Finished: 4, Running: 2, Pending: 4, Elapsed: 8 * time.Second, Requeued: 3,
		ByStatus: map[pool.Status]int{pool.StatusDone: 2, pool.StatusMemory: 1, pool.StatusCancelled: 1}}
	if got, want := describe(c), "2 done, 1 memory, 1 cancelled, 3 requeued, 2 running, 4 pending, 0:08 elapsed, ETA 0:12"; got != want {
		t.Errorf("describe: %q, want %q", got, want)
	}
}
