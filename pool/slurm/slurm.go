// Package slurm is the pool.Launcher that runs each attempt of a job through
// Slurm's srun: as a job of its own, or, inside an sbatch or salloc
// allocation, as a job step on the allocation's nodes.
//
// Each attempt is one
//
//	srun -v --job-name=expool-RUN-N-NAME --chdir=DIR --ntasks=1 [--exact]
//	     [--cpus-per-task=C] [--mem=M] [--time=T] [pool args] [job args] -- args...
//
// where RUN is the run's id (one per Launcher), N counts the attempts, so
// that the name tells each attempt from every other one, even of jobs that
// share a name. srun runs in a process group of its own, its stdout is the
// job's, and its stderr goes through expool: srun's own lines are read
// there, the job's are passed on to the job's stderr (see filter).
//
// srun is verbose (-v), not quiet: its verbose lines, which expool reads and
// drops, say the job's id and step id (to signal exactly this attempt) and
// when the task starts (the job's timeout counts from then, not from the time
// it waited in Slurm's queue), and its exact wait status.
//
// Termination keeps killgrace's meaning. SIGTERM to srun would SIGKILL the
// task at once, so the task's SIGTERM goes through Slurm (scancel
// --signal=TERM); SIGKILL is SIGTERM to srun, which kills the task and ends
// its job; if srun has not exited a while later, it is killed, and its
// shepherd cancels the job. After srun has exited, a job that expool
// terminated is cancelled once more (scancel), and Close cancels whatever
// of the run squeue still shows, and waits until it shows none.
package slurm

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"expool/pool"
)

// Launcher starts attempts of jobs with srun. Make it with New.
type Launcher struct {
	// Watchdog is the command of the watchdog process, to which the
	// launcher appends the run's id (see Watchdog); none if empty. Set it
	// before the first Launch.
	Watchdog []string
	// Stderr receives the launcher's own warnings (jobs it could not
	// cancel); nil is os.Stderr.
	Stderr io.Writer

	run        string // the run's id
	srun       string // srun's path
	allocation string // the job id of the allocation expool runs in, if any
	cancel     *canceller

	mu       sync.Mutex // guards the fields below
	attempts uint64
	launched bool
	closed   bool
	watchdog *exec.Cmd
	dogPipe  *os.File
}

// New returns a launcher with a new run id. It fails if srun is not on
// PATH, or scancel or squeue, which it needs to end jobs.
func New() (*Launcher, error) {
	var paths [3]string
	for i, name := range []string{"srun", "scancel", "squeue"} {
		path, err := exec.LookPath(name)
		if err != nil {
			return nil, fmt.Errorf("%s is not on PATH (Slurm's client commands are needed to run jobs on Slurm)", name)
		}
		paths[i] = path
	}
	id := make([]byte, 4)
	rand.Read(id)
	return &Launcher{
		run:        hex.EncodeToString(id),
		srun:       paths[0],
		allocation: os.Getenv("SLURM_JOB_ID"),
		cancel:     newCanceller(paths[1], paths[2]),
	}, nil
}

// Run is the run's id: every job name of the run starts with
// "expool-" + Run() + "-".
func (l *Launcher) Run() string { return l.run }

func (l *Launcher) prefix() string { return "expool-" + l.run + "-" }

// srunGrace is how long srun has to end its job after SIGTERM before it is
// killed. It takes some 30 ms; it waits much longer only when slurmctld is
// down.
const srunGrace = 3 * time.Second

// Launch starts c through srun. A missing working directory is an error
// here: srun would run the job in /tmp.
func (l *Launcher) Launch(c *pool.Command) (pool.Process, error) {
	dir, err := workdir(c.Dir)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, fmt.Errorf("slurm launcher is closed")
	}
	l.attempts++
	name := fmt.Sprintf("%s%d-%s", l.prefix(), l.attempts, jobName(c.Name))
	l.launched = true
	l.mu.Unlock()
	l.startWatchdog()

	argv := l.argv(c, name, dir)
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	stderr, err := dup(c.Stderr)
	if err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	env := c.Env
	if env == nil {
		env = os.Environ()
	}
	p := &process{launcher: l, name: name, started: c.Started, done: make(chan struct{})}
	p.filter = filter{out: stderr, p: p}
	pid, err := start(l.srun, argv, env, []*os.File{c.Stdin, c.Stdout, w})
	w.Close()
	if err != nil {
		r.Close()
		stderr.Close()
		return nil, fmt.Errorf("srun: %w", err)
	}
	p.pid = pid
	p.filter.r = r
	go p.filter.run(p.done)
	return p, nil
}

// SchedulesResources marks the launcher as a pool.ResourceScheduler: a
// pool's affinity becomes each job's --cpus-per-task, a job's memlimit its
// --mem, and Slurm enforces them.
func (l *Launcher) SchedulesResources() {}

// argv is srun's command line for c.
func (l *Launcher) argv(c *pool.Command, name, dir string) []string {
	argv := []string{"srun", "-v", "--job-name=" + name, "--chdir=" + dir, "--ntasks=1"}
	if l.allocation != "" {
		// A step gets only the CPUs it asks for, not all of the allocation's,
		// so that steps run side by side.
		argv = append(argv, "--exact")
	}
	if c.CPUs > 0 {
		argv = append(argv, "--cpus-per-task="+strconv.Itoa(c.CPUs))
	}
	if c.MemLimit > 0 {
		argv = append(argv, fmt.Sprintf("--mem=%dM", (c.MemLimit+1<<20-1)>>20))
	}
	if c.Timeout > 0 {
		// A backstop: expool's own timer acts first. Slurm counts in minutes.
		argv = append(argv, fmt.Sprintf("--time=%d", int64((c.Timeout+time.Minute+time.Minute-1)/time.Minute)))
	}
	argv = append(argv, c.LauncherArgs...)
	argv = append(argv, "--")
	return append(argv, c.Args...)
}

// FDsPerProcess is what the launcher holds for each running srun: the read
// end of its stderr, the job's stderr that the filter writes to, and the
// pidfd that its end is waited on (pool.FDHolder).
func (l *Launcher) FDsPerProcess() int { return 3 }

// workdir is the absolute working directory of a job, checked.
func workdir(dir string) (string, error) {
	if dir != "" {
		fi, err := os.Stat(dir)
		if err != nil {
			return "", fmt.Errorf("workdir: %w", err)
		}
		if !fi.IsDir() {
			return "", fmt.Errorf("workdir %s: not a directory", dir)
		}
	}
	abs, err := filepath.Abs(dir) // "" is expool's own
	if err != nil {
		return "", fmt.Errorf("workdir: %w", err)
	}
	return abs, nil
}

// jobName makes a job's name fit in a Slurm job name that squeue prints on
// one line: no control characters, no spaces, no "|".
func jobName(name string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == '|' || r == 0x7f {
			return '_'
		}
		return r
	}, name)
}

// dup duplicates f, which the loop closes once Launch returns, for the
// filter to write to.
func dup(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var fd int
	var dupErr error
	if err := rc.Control(func(old uintptr) { fd, dupErr = syscall.Dup(int(old)) }); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, fmt.Errorf("dup stderr: %w", dupErr)
	}
	syscall.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// Close cancels whatever of the run squeue still shows and waits until it
// shows none (at most closeWait), then dismisses the watchdog. Call it once
// every job has ended. It returns an error naming the jobs left, if any,
// which it also writes on Stderr.
func (l *Launcher) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	launched := l.launched
	l.mu.Unlock()
	l.cancel.stop()
	var err error
	if launched {
		if left := sweep(l.cancel, l.prefix(), l.allocation, time.Now().Add(closeWait)); len(left) > 0 {
			err = fmt.Errorf("slurm: jobs of this run still in squeue after %v: %s", closeWait, strings.Join(left, ", "))
			w := l.Stderr
			if w == nil {
				w = os.Stderr
			}
			fmt.Fprintf(w, "expool: %v\n", err)
		}
	}
	l.stopWatchdog()
	return err
}

// closeWait bounds how long Close waits for the run's jobs to leave squeue.
const closeWait = 10 * time.Second
