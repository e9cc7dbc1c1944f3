package records

import (
	"fmt"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressEvery is how often the progress line is redrawn: from a goroutine
// of its own, so that a slow terminal never holds up the event loop.
const progressEvery = 200 * time.Millisecond

// Progress draws one live line: the jobs finished of those executed, the
// counts by status, running, pending, the elapsed time and an estimate of
// the time left. It uses github.com/schollz/progressbar, and shares the
// terminal with the output through a Screen.
type Progress struct {
	tally  *Tally
	screen *Screen
	bar    *progressbar.ProgressBar
	stop   chan struct{}
	done   chan struct{}
}

// StartProgress draws the tally's progress on the screen's stderr until Stop.
func StartProgress(t *Tally, s *Screen) *Progress {
	p := &Progress{tally: t, screen: s, stop: make(chan struct{}), done: make(chan struct{})}
	s.mu.Lock()
	p.bar = progressbar.NewOptions(1,
		progressbar.OptionSetWriter(barWriter{s}),
		progressbar.OptionSetWidth(24),
		progressbar.OptionShowCount(),
		// The elapsed time and the ETA are in the description: the bar's
		// own clock starts again when it is reset (see render).
		progressbar.OptionSetElapsedTime(false),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionThrottle(0), // the ticker paces it
		progressbar.OptionUseANSICodes(true),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionSetDescription(describe(t.Counts())),
	)
	s.bar = p.bar
	s.flush()
	s.mu.Unlock()
	go p.run()
	return p
}

func (p *Progress) run() {
	defer close(p.done)
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			p.render()
		case <-p.stop:
			s := p.screen
			s.mu.Lock()
			// The script's last partial lines, above the last line drawn.
			for _, l := range s.script {
				l.end()
			}
			s.mu.Unlock()
			p.render()
			s.mu.Lock()
			p.bar.Exit()
			s.drawn.WriteString("\n")
			s.flush()
			s.bar = nil
			s.mu.Unlock()
			return
		}
	}
}

// render redraws the line. Each call of the bar's redraws it; the count comes
// last, since the bar draws nothing more once it reaches the total. If it
// did, and the script has executed more jobs since, it starts again.
func (p *Progress) render() {
	c := p.tally.Counts()
	p.screen.mu.Lock()
	defer p.screen.mu.Unlock()
	if p.bar.IsFinished() && c.Finished < c.Executed {
		p.bar.Reset()
	}
	p.bar.ChangeMax(max(c.Executed, 1))
	p.bar.Describe(describe(c))
	p.bar.Set(c.Finished)
	p.screen.flush()
}

// Stop draws the line a last time and leaves it, below the last output.
func (p *Progress) Stop() {
	close(p.stop)
	<-p.done
}

// describe is the line's text: the counts by status, running and pending.
func describe(c Counts) string {
	var parts []string
	for _, st := range statusOrder {
		if n := c.ByStatus[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if c.Requeued > 0 {
		parts = append(parts, fmt.Sprintf("%d requeued", c.Requeued))
	}
	parts = append(parts, fmt.Sprintf("%d running", c.Running), fmt.Sprintf("%d pending", c.Pending),
		Clock(c.Elapsed)+" elapsed")
	if eta, ok := c.ETA(); ok {
		parts = append(parts, "ETA "+Clock(eta))
	}
	return strings.Join(parts, ", ")
}

// ETA estimates the time left: the jobs left at the pace so far. The jobs
// executed so far, that is; a script may execute more. There is none before
// a job has finished, nor once every job executed has.
func (c Counts) ETA() (time.Duration, bool) {
	left := c.Executed - c.Finished
	if left <= 0 || c.Finished <= 0 {
		return 0, false
	}
	return c.Elapsed * time.Duration(left) / time.Duration(c.Finished), true
}

// Clock writes a duration as h:mm:ss, or m:ss.
func Clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
