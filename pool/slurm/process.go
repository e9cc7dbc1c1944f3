package slurm

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"expool/pool"
)

// process is one attempt: srun, and the job or step it runs.
type process struct {
	launcher *Launcher
	name     string // the Slurm job (or step) name
	pid      int    // srun's, also its process group's
	started  func(time.Time)
	filter   filter
	done     chan struct{} // closed when the filter has read srun's stderr to its end

	mu          sync.Mutex // guards the fields below
	jobID       string     // from srun's lines, once it says
	stepID      string     // "JOB.STEP", once the task is launched
	launched    bool       // srun launched the task
	queued      bool       // srun said it waits for Slurm
	termPending bool       // SIGTERM waits for srun to say whether it launched the task
	exited      bool       // srun has exited (and may be reaped)
	terminated  bool       // expool asked for the job's end
	killing     bool       // SIGKILL was asked for
	killed      bool       // srun was sent SIGKILL
	killTimer   *time.Timer

	// SIGTERM goes through scancel, which takes a while (some 10 ms, more
	// under load); SIGKILL waits as long, so that the task gets all of
	// killgrace to handle SIGTERM.
	termAsked, termSent time.Time // when expool sent SIGTERM; when scancel was done with it
	killAsked           time.Time // when SIGKILL was asked for while scancel was at it
}

// Queued marks the process as one whose command waits for Slurm: the
// launcher calls Command.Started when the task is launched.
func (p *process) Queued() {}

// Pid is srun's process id.
func (p *process) Pid() int { return p.pid }

// Signal asks for the job's end. SIGTERM reaches the task through Slurm once
// it runs (scancel --signal=TERM), and ends srun's wait for resources before;
// SIGKILL is SIGTERM to srun, which kills the task and ends its job, then
// SIGKILL to srun if it has not exited srunGrace later. SIGKILL comes as much
// later as scancel took to send SIGTERM, so that the task gets all of
// killgrace to handle it. Other signals reach the task through Slurm.
func (p *process) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return os.ErrProcessDone
	}
	if sig == syscall.SIGTERM || sig == syscall.SIGKILL {
		p.terminated = true
	}
	switch {
	case sig == syscall.SIGKILL:
		if p.killing {
			return nil
		}
		p.killing = true
		switch {
		case p.termAsked.IsZero():
			p.kill()
		case !p.termSent.IsZero():
			p.after(p.termSent.Sub(p.termAsked), p.kill)
		default:
			// scancel is still at it: termDone decides, or, if it is
			// stuck, this.
			p.killAsked = time.Now()
			p.after(srunGrace, p.kill)
		}
	case sig == syscall.SIGTERM && !p.launched:
		if p.queued {
			// srun waits for an allocation, or for its step to be
			// created, and ends that wait on SIGTERM.
			unix.Kill(p.pid, unix.SIGTERM)
			break
		}
		// srun is about to launch the task, or about to say it waits
		// (SIGTERM to srun now would SIGKILL a task just launched):
		// the filter acts when it knows which.
		p.termPending = true
	case sig == syscall.SIGTERM && p.termAsked.IsZero():
		p.sendTerm()
	case !p.launched:
		unix.Kill(p.pid, sig)
	default:
		p.launcher.cancel.signal(sig, p.target(), nil)
	}
	return nil
}

// sendTerm sends SIGTERM to the task through scancel. Called with p.mu held.
func (p *process) sendTerm() {
	p.termAsked = time.Now()
	p.launcher.cancel.signal(syscall.SIGTERM, p.target(), p.termDone)
}

// termDone is called once scancel is done with SIGTERM.
func (p *process) termDone() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.termSent = time.Now()
	if !p.killAsked.IsZero() && p.killTimer.Stop() {
		p.after(p.termSent.Sub(p.killAsked), p.kill)
	}
}

// after calls f in d, with p.mu held. Called with p.mu held.
func (p *process) after(d time.Duration, f func()) {
	p.killTimer = time.AfterFunc(d, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		f()
	})
}

// kill sends srun SIGTERM, and SIGKILL if it has not exited srunGrace
// later. Called with p.mu held.
func (p *process) kill() {
	if p.exited {
		return
	}
	unix.Kill(p.pid, unix.SIGTERM)
	p.after(srunGrace, func() {
		if !p.exited {
			p.killed = true
			unix.Kill(p.pid, unix.SIGKILL)
		}
	})
}

// target is what scancel is given to reach the attempt: its step inside an
// allocation (a step's name is not a job name), else its job.
func (p *process) target() string {
	if p.launcher.allocation != "" {
		return p.stepID
	}
	return p.jobID
}

// launch records what srun said once the task is launched; the filter calls it.
func (p *process) launch(jobID, stepID string) {
	p.mu.Lock()
	p.jobID, p.stepID, p.launched = jobID, stepID, true
	if p.termPending && !p.exited && !p.killing {
		p.sendTerm()
	}
	p.mu.Unlock()
	if p.started != nil {
		p.started(time.Now())
	}
}

// queue records that srun waits for Slurm: for an allocation (the job's id
// is jobID), or for its step to be created (jobID is "").
func (p *process) queue(jobID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if jobID != "" {
		p.jobID = jobID
	}
	p.queued = true
	if p.termPending && !p.exited {
		unix.Kill(p.pid, unix.SIGTERM)
	}
}

func (p *process) setJobID(id string) {
	p.mu.Lock()
	p.jobID = id
	p.mu.Unlock()
}

func (p *process) terminating() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.terminated
}

// drainWait bounds how long Wait waits, once srun has exited, for the end of
// srun's stderr: its shepherd holds it until it has cancelled the job of a
// killed srun.
const drainWait = 2 * time.Second

// Wait waits for srun to exit and for its stderr to be read, and tells how
// the job ended: an error when Slurm refused it or its command could not be
// executed (status "error"), else its task's exit code, or -N when signal N
// ended the task. The job's own usage is unknown: srun is not told it.
func (p *process) Wait() (pool.Exit, error) {
	var terminated, killed bool
	ws, err := waitSrun(p.pid, func() {
		p.mu.Lock()
		p.exited = true
		if p.killTimer != nil {
			p.killTimer.Stop()
		}
		terminated, killed = p.terminated, p.killed
		p.mu.Unlock()
	})
	if err != nil {
		return pool.Exit{}, fmt.Errorf("wait for srun: %w", err)
	}

	select {
	case <-p.done:
		reapGroup(p.pid) // srun's shepherd, if it was re-parented to expool: it has closed stderr, so it has ended
	case <-time.After(drainWait):
		p.filter.stop()
		<-p.done
		go reapGroup(p.pid) // the shepherd is still at work
	}
	rep := &p.filter.rep
	reported := len(rep.statuses) > 0 || len(rep.signals) > 0
	if !ws.Exited() || rep.launched && !reported || !rep.launched && terminated {
		// A backstop: srun was killed, or did not see its task end, or
		// expool ended its wait for resources. (An srun that reports its
		// task's end has ended its job.)
		if target := p.cancelTarget(); target != "" {
			p.launcher.cancel.cancelJob(target)
		}
	}
	exit := pool.Exit{Rusage: pool.Rusage{Unknown: true}}
	switch {
	case killed:
		exit.Code = -int(syscall.SIGKILL)
	case ws.Signaled():
		exit.Code = -int(ws.Signal())
	case !rep.launched && terminated:
		// Its wait for resources ended by expool.
		exit.Code = -int(syscall.SIGTERM)
	case !rep.launched && ws.ExitStatus() != 0:
		if len(rep.refusals) == 0 {
			return pool.Exit{}, fmt.Errorf("srun exited with status %d before the task started", ws.ExitStatus())
		}
		return pool.Exit{}, errors.New("srun: " + strings.Join(rep.refusals, "; "))
	case rep.execError != "":
		return pool.Exit{}, errors.New("slurmstepd: " + rep.execError)
	default:
		exit.Code = rep.code(ws.ExitStatus())
	}
	return exit, nil
}

// cancelTarget is what to scancel once srun has exited: the job, or the
// step inside an allocation; by name when srun did not say.
func (p *process) cancelTarget() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.launcher.allocation != "":
		return p.stepID
	case p.jobID != "":
		return p.jobID
	}
	return "--name=" + p.name
}

// reapGroup reaps what is left of srun's process group among expool's
// children, blocking until each has ended.
func reapGroup(pgid int) {
	for {
		_, err := unix.Wait4(-pgid, nil, 0, nil)
		if err != unix.EINTR && err != nil {
			return
		}
	}
}
