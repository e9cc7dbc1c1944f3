package slurm

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// What srun -v wrote for a task that printed on stderr and was killed by
// SIGTERM (Slurm 22.05), with lines of the job's own mixed in.
const killedByTerm = `srun: defined options
srun: -------------------- --------------------
srun: job-name            : expool-1-1-x
srun: verbose             : 1
srun: -------------------- --------------------
srun: end of defined options
srun: jobid 42: nodes(1):` + "`vm'" + `, cpu counts: 1(x1)
srun: launch/slurm: launch_p_step_launch: CpuBindType=(null type)
srun: launching StepId=42.0 on host vm, 1 tasks: 0
srun: route/default: init: route default plugin loaded
job line one
srun: launch/slurm: _task_start: Node vm, 1 tasks started
srun: not one of srun's forms
slurmstepd: error: Detected 1 oom_kill event
partial line without newline, then` + " more\n" + `slurmstepd-vm: error: *** STEP 42.0 ON vm CANCELLED AT 2026-11-26T21:53:35 ***
srun: launch/slurm: _task_finish: Received task exit notification for 1 task of StepId=42.0 (status=0x000f).
srun: error: vm: task 0: Terminated
srun: Force Terminated StepId=42.0
last`

const refused = `srun: defined options
srun: end of defined options
srun: error: Memory specification can not be satisfied
srun: error: Unable to allocate resources: Requested node configuration is not available
`

// feedAll runs a filter over input, in chunks of n bytes, and returns what
// it passed on, its report and its process.
func feedAll(t *testing.T, input string, n int, terminated bool) (string, report, *process) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	p := &process{launcher: &Launcher{cancel: newCanceller("true", "true")}, terminated: terminated, done: make(chan struct{})}
	var started time.Time
	p.started = func(t time.Time) { started = t }
	p.filter = filter{out: out, p: p, r: r}
	go p.filter.run(p.done)
	for i := 0; i < len(input); i += n {
		w.Write([]byte(input[i:min(i+n, len(input))]))
	}
	w.Close()
	<-p.done
	got, _ := os.ReadFile(out.Name())
	if p.launched && started.IsZero() {
		t.Errorf("launched, but Started was not called")
	}
	return string(got), p.filter.rep, p
}

func TestFilter(t *testing.T) {
	// Once expool ends the job, srun talks: what looks like it is dropped,
	// and so is the cancellation expool asked for.
	want := "job line one\nslurmstepd: error: Detected 1 oom_kill event\n" +
		"partial line without newline, then more\nlast"
	for _, n := range []int{1, 2, 3, 7, 64, 1 << 20} {
		got, rep, p := feedAll(t, killedByTerm, n, true)
		if got != want {
			t.Errorf("chunks of %d: passed on %q, want %q", n, got, want)
		}
		if !rep.launched || p.jobID != "42" || p.stepID != "42.0" {
			t.Errorf("chunks of %d: launched %v, job %q, step %q", n, rep.launched, p.jobID, p.stepID)
		}
		if len(rep.statuses) != 1 || rep.statuses[0].Signal() != syscall.SIGTERM || rep.code(143) != -15 || rep.code(3) != 3 {
			t.Errorf("chunks of %d: statuses %v", n, rep.statuses)
		}
	}
	// Otherwise they are the job's business.
	got, _, _ := feedAll(t, killedByTerm, 3, false)
	want = "job line one\nsrun: not one of srun's forms\nslurmstepd: error: Detected 1 oom_kill event\n" +
		"partial line without newline, then more\n" +
		"slurmstepd-vm: error: *** STEP 42.0 ON vm CANCELLED AT 2026-11-26T21:53:35 ***\nlast"
	if got != want {
		t.Errorf("not ended by expool: passed on %q, want %q", got, want)
	}
	got, rep, _ := feedAll(t, refused, 5, false)
	if got != "" || rep.launched || strings.Join(rep.refusals, "; ") !=
		"Memory specification can not be satisfied; Unable to allocate resources: Requested node configuration is not available" {
		t.Errorf("refused: passed on %q, refusals %q", got, rep.refusals)
	}
}

// Without the verbose status line, srun's task line tells a signal from an
// exit code of 128+N.
func TestCodeFromTaskLine(t *testing.T) {
	for text, code := range map[string]int{
		"srun: error: vm: task 0: Terminated\n":                       -15,
		"srun: error: vm: task 0: Killed\n":                           -9,
		"srun: error: vm: task 0: Segmentation fault (core dumped)\n": -11,
		"srun: error: vm: task 0: Exited with exit code 143\n":        143,
		"srun: error: node-12: tasks 0-3: User defined signal 1\n":    -10,
	} {
		_, rep, _ := feedAll(t, "srun: launching StepId=7.0 on host vm, 1 tasks: 0\n"+text, 1<<20, false)
		srun := 128 - code
		if code > 0 {
			srun = code
		}
		if got := rep.code(srun); got != code {
			t.Errorf("%q: code %d, want %d", text, got, code)
		}
	}
}
