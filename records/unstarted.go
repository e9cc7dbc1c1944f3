package records

import (
	"fmt"
	"io"
	"strings"

	"expool/pool"
)

// unstartedListed bounds the jobs that could not start named one by one.
const unstartedListed = 10

// unstartedReasons bounds the reasons the closing line gives.
const unstartedReasons = 3

// Unstarted says on stderr which jobs could not start (status "error"), so
// that no run is silent about them: a line for each of the first ten as it
// ends, and, with Close, a line with their number and the reasons.
type Unstarted struct {
	w        io.Writer
	executed int
	count    int
	reasons  []string // distinct, in order of first appearance, the first few
	byReason map[string]int
	others   int // jobs with none of those reasons
}

// NewUnstarted reports jobs that could not start on w.
func NewUnstarted(w io.Writer) *Unstarted {
	return &Unstarted{w: w, byReason: map[string]int{}}
}

func (u *Unstarted) JobExecuted(*pool.Job)               { u.executed++ }
func (u *Unstarted) AttemptStarted(*pool.Job)            {}
func (u *Unstarted) AttemptEnded(*pool.Job, pool.Status) {}

// JobFinished says so if j could not start.
func (u *Unstarted) JobFinished(j *pool.Job) {
	if j.Status != pool.StatusError {
		return
	}
	u.count++
	if u.count <= unstartedListed {
		fmt.Fprintf(u.w, "expool: job %q could not start: %s\n", j.Name, j.Error)
	}
	switch _, known := u.byReason[j.Error]; {
	case known:
		u.byReason[j.Error]++
	case len(u.reasons) < unstartedReasons:
		u.reasons = append(u.reasons, j.Error)
		u.byReason[j.Error] = 1
	default:
		u.others++
	}
}

// Close writes the closing line, if a job could not start.
func (u *Unstarted) Close() {
	if u.count == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "expool: %d of %d jobs could not start (status \"error\")", u.count, u.executed)
	if u.count > unstartedListed {
		fmt.Fprintf(&b, ", the first %d named above", unstartedListed)
	}
	for i, r := range u.reasons {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%d for %s", sep, u.byReason[r], strings.ReplaceAll(r, "\n", " "))
	}
	if u.others > 0 {
		fmt.Fprintf(&b, "; %d for other reasons", u.others)
	}
	b.WriteString("\n")
	io.WriteString(u.w, b.String())
}
