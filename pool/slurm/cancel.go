package slurm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// canceller runs scancel for a launcher: each request at once, in a scancel
// of its own, while fewer than maxScancels run; past that, the requests
// wait for the next free one and go together: terminating a pool of a
// hundred running jobs costs a few scancels, not a hundred. Its goroutines
// run only while there is work.
type canceller struct {
	scancel, squeue string

	mu      sync.Mutex
	queue   map[string][]request // by scancel's --signal; "" cancels
	running int                  // goroutines running scancel
	idle    *sync.Cond           // broadcast when none runs
}

// maxScancels bounds the scancels at once.
const maxScancels = 4

// scancelTimeout bounds one scancel or squeue: they try for about 20 s when
// slurmctld does not answer.
const scancelTimeout = 30 * time.Second

func newCanceller(scancel, squeue string) *canceller {
	c := &canceller{scancel: scancel, squeue: squeue, queue: map[string][]request{}}
	c.idle = sync.NewCond(&c.mu)
	return c
}

// request is one target of scancel, and what to call once scancel is done.
type request struct {
	target string
	done   func()
}

// signal sends sig to the tasks of target, a job id or JOB.STEP, then
// calls done (if not nil), whether scancel could or not.
func (c *canceller) signal(sig syscall.Signal, target string, done func()) {
	c.add(strconv.Itoa(int(sig)), request{target, done})
}

// cancelJob cancels target: a job id, JOB.STEP, or "--name=NAME".
func (c *canceller) cancelJob(target string) { c.add("", request{target: target}) }

func (c *canceller) add(sig string, r request) {
	if r.target == "" {
		if r.done != nil {
			r.done()
		}
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queue[sig] = append(c.queue[sig], r)
	if c.running < maxScancels {
		c.running++
		go c.run()
	}
}

func (c *canceller) run() {
	for {
		c.mu.Lock()
		q := c.queue
		if len(q) == 0 {
			c.running--
			c.idle.Broadcast()
			c.mu.Unlock()
			return
		}
		c.queue = map[string][]request{}
		c.mu.Unlock()
		// Signals first, then cancellations: a job's TERM must not come
		// after the cancellation of the same round.
		sigs := make([]string, 0, len(q))
		for sig := range q {
			sigs = append(sigs, sig)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(sigs)))
		for _, sig := range sigs {
			targets := make([]string, len(q[sig]))
			for i, r := range q[sig] {
				targets[i] = r.target
			}
			c.run1(sig, targets)
			for _, r := range q[sig] {
				if r.done != nil {
					r.done()
				}
			}
		}
	}
}

// stop waits until the requests made so far have been carried out.
func (c *canceller) stop() {
	c.mu.Lock()
	for c.running > 0 {
		c.idle.Wait()
	}
	c.mu.Unlock()
}

// run1 runs scancel on targets, with --signal=sig unless sig is "": one
// scancel for the ids, one for each name.
func (c *canceller) run1(sig string, targets []string) {
	opts := []string{"-Q"}
	if sig != "" {
		opts = append(opts, "--signal="+sig)
	}
	var ids []string
	for _, t := range targets {
		if strings.HasPrefix(t, "--name=") {
			c.command(c.scancel, append(opts, t)...)
		} else {
			ids = append(ids, t)
		}
	}
	if len(ids) > 0 {
		c.command(c.scancel, append(opts, ids...)...)
	}
}

// command runs a Slurm command and returns its stdout.
func (c *canceller) command(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), scancelTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return out, fmt.Errorf("%s: %s", name, msg)
	}
	return out, nil
}

// entry is a job or step that squeue lists.
type entry struct {
	id, name, state string
}

// list lists the jobs whose name starts with prefix, and, inside an
// allocation, the steps.
func (c *canceller) list(prefix, allocation string) (jobs, steps []entry, err error) {
	uid := strconv.Itoa(os.Getuid())
	out, err := c.command(c.squeue, "-h", "-u", uid, "-o", "%i|%T|%j")
	if err != nil {
		return nil, nil, err
	}
	jobs = parseEntries(out, prefix, true)
	if allocation != "" {
		out, err := c.command(c.squeue, "-h", "-s", "-u", uid, "-o", "%i|%j")
		if err != nil {
			return nil, nil, err
		}
		steps = parseEntries(out, prefix, false)
	}
	return jobs, steps, nil
}

func parseEntries(out []byte, prefix string, withState bool) []entry {
	var list []entry
	for _, line := range strings.Split(string(out), "\n") {
		var e entry
		var ok bool
		e.id, line, ok = strings.Cut(strings.TrimSpace(line), "|")
		if withState && ok {
			e.state, line, ok = strings.Cut(line, "|")
		}
		e.name = line
		if ok && strings.HasPrefix(e.name, prefix) {
			list = append(list, e)
		}
	}
	return list
}

// sweep cancels every job and step of the run that squeue shows, and waits
// until it shows none, or until deadline; it returns what is left.
func sweep(c *canceller, prefix, allocation string, deadline time.Time) []string {
	for {
		jobs, steps, err := c.list(prefix, allocation)
		if err == nil && len(jobs)+len(steps) == 0 {
			return nil
		}
		var targets []string
		for _, j := range jobs {
			if j.state != "COMPLETING" {
				targets = append(targets, j.id)
			}
		}
		for _, s := range steps {
			if job, _, _ := strings.Cut(s.id, "."); job == allocation {
				targets = append(targets, s.id)
			}
		}
		if len(targets) > 0 {
			c.run1("", targets)
		}
		if time.Now().After(deadline) {
			if err != nil {
				return []string{err.Error()}
			}
			var left []string
			for _, e := range append(jobs, steps...) {
				left = append(left, strings.TrimSpace(fmt.Sprintf("%s (%s) %s", e.id, e.name, e.state)))
			}
			return left
		}
		time.Sleep(100 * time.Millisecond)
	}
}
