package records

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"expool/pool"
)

// The summary's slowest are jobs, from their first attempt's start to their
// last one's end, restarts included, with their number of attempts.
func TestSummarySlowestJobs(t *testing.T) {
	tally := NewTally(false)
	start := time.Now()
	run := func(name string, attempts ...time.Duration) {
		j := &pool.Job{Name: name, Args: []string{"x"}}
		tally.JobExecuted(j)
		at := start
		for i, d := range attempts {
			j.Restarts = i
			j.Last = &pool.Attempt{Start: at, PID: 1}
			tally.AttemptStarted(j)
			j.Last.Stop = at.Add(d)
			st := pool.StatusTimeout
			if i == len(attempts)-1 {
				st = pool.StatusDone
			}
			tally.AttemptEnded(j, st)
			at = at.Add(d)
		}
		j.Status = pool.StatusDone
		tally.JobFinished(j)
	}
	run("once", 3*time.Second)
	run("thrice", time.Second, time.Second, 1500*time.Millisecond)
	run("quick", time.Millisecond)
	var b bytes.Buffer
	tally.WriteSummary(&b)
	want := "slowest:\n  thrice\t3.5s (3 attempts)\n  once\t3s\n  quick\t1ms\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Errorf("the summary:\n%s\nwant it to end with:\n%s", b.String(), want)
	}
}
