package records

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// failuresShown bounds the failures the summary lists one by one.
const failuresShown = 20

// WriteSummary writes the end-of-run summary: the counts by status, the wall
// time, the failures (name, status, returncode, error) and the slowest jobs,
// restarts included (see Slow).
func (t *Tally) WriteSummary(w io.Writer) {
	c := t.Counts()
	t.mu.Lock()
	failures, failed := append([]Failure(nil), t.failures...), t.failed
	slowest := append([]Slow(nil), t.slowest...)
	t.mu.Unlock()

	var b strings.Builder
	fmt.Fprintf(&b, "expool: %d jobs in %s:", c.Finished, c.Elapsed.Round(time.Millisecond))
	for _, st := range statusOrder {
		if n := c.ByStatus[st]; n > 0 {
			fmt.Fprintf(&b, " %d %s", n, st)
		}
	}
	if c.Requeued > 0 {
		fmt.Fprintf(&b, " (%d %s requeued for memory)", c.Requeued, plural(c.Requeued, "attempt"))
	}
	b.WriteString("\n")
	if len(failures) > 0 {
		fmt.Fprintf(&b, "failures:\n")
		for _, f := range failures {
			code := "-"
			if f.ReturnCode != nil {
				code = fmt.Sprint(*f.ReturnCode)
			}
			fmt.Fprintf(&b, "  %s\t%s\treturncode %s", f.Name, f.Status, code)
			if f.Error != "" {
				fmt.Fprintf(&b, "\t%s", f.Error)
			}
			b.WriteString("\n")
		}
		if failed > len(failures) {
			fmt.Fprintf(&b, "  ... and %d more\n", failed-len(failures))
		}
	}
	if len(slowest) > 0 {
		fmt.Fprintf(&b, "slowest:\n")
		for _, s := range slowest {
			fmt.Fprintf(&b, "  %s\t%s", s.Name, s.Duration.Round(time.Millisecond))
			if s.Attempts > 1 {
				fmt.Fprintf(&b, " (%d attempts)", s.Attempts)
			}
			b.WriteString("\n")
		}
	}
	io.WriteString(w, b.String())
}
