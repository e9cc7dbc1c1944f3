package records

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"expool/pool"
)

// The first ten jobs that could not start are named as they end; the closing
// line counts them all and gives the first three reasons, the rest in one.
func TestUnstarted(t *testing.T) {
	var out bytes.Buffer
	u := NewUnstarted(&out)
	end := func(name string, st pool.Status, why string) {
		j := &pool.Job{Name: name, Status: st, Error: why}
		u.JobExecuted(j)
		u.JobFinished(j)
	}
	end("fine", pool.StatusFailed, "")
	for i := 1; i <= 12; i++ {
		end(fmt.Sprint("j", i), pool.StatusError, fmt.Sprint("reason ", i%5))
	}
	u.Close()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 11 || lines[0] != `expool: job "j1" could not start: reason 1` || strings.Contains(out.String(), `"j11"`) {
		t.Errorf("the lines:\n%s", out.String())
	}
	want := `expool: 12 of 13 jobs could not start (status "error"), the first 10 named above: 3 for reason 1; 3 for reason 2; 2 for reason 3; 4 for other reasons`
	if lines[len(lines)-1] != want {
		t.Errorf("the closing line:\n%s\nwant:\n%s", lines[len(lines)-1], want)
	}
	var none bytes.Buffer
	NewUnstarted(&none).Close()
	if none.Len() > 0 {
		t.Errorf("with no job that could not start: %q", none.String())
	}
}
