package slurm

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// srun's stderr carries two streams: the job's stderr, which srun forwards,
// and srun's own lines ("srun: ..."), with slurmstepd's ("slurmstepd-NODE:
// ..."). The filter reads it all, passes the job's bytes on to the job's
// stderr as they come, and holds back a line only while it may be one of
// Slurm's: one that starts with "srun: " or "slurmstepd". Of those, it
// reads and drops srun's verbose lines, its task exit lines and a
// cancellation that expool asked for; it keeps the errors srun printed
// before the task was launched (Slurm's refusal, which becomes job.error,
// or, if the task is launched after all, passes them on) and passes the
// rest on: srun's warnings and later errors, slurmstepd's messages.
//
// What cannot be told apart: a line of the job's own stderr that looks
// like one of srun's forms (a job that runs srun itself, say) is read, and
// dropped, as srun's; so is any line that starts with "srun: " while
// expool ends the job, when srun talks most. Before srun says it launches
// the task, a job prints nothing.

// filter reads srun's stderr for one attempt.
type filter struct {
	out *os.File // the job's stderr
	p   *process
	r   *os.File // srun's stderr, read end
	rep report   // what srun said; read once done is closed

	held    []byte   // the start of a line that may be Slurm's
	midLine bool     // the last byte passed on was not a newline
	early   [][]byte // srun's error lines before the task was launched
	buf     []byte   // what to pass on, written once per read
}

// report is what srun said about the attempt.
type report struct {
	launched  bool
	statuses  []syscall.WaitStatus // the tasks' wait statuses (verbose lines)
	signals   []syscall.Signal     // signals that srun's task lines name
	refusals  []string             // srun's errors before the task was launched
	execError string               // slurmstepd could not execute the command
}

// maxHeld bounds a line held back: Slurm's are short.
const maxHeld = 4096

// srunPatterns are the lines of srun -v that expool reads or removes.
type srunPatterns struct {
	queued, jobID, srunTalk, plugin, stepWait, launching, status, taskLine, option, stepd, cancelled *regexp.Regexp
}

// srunRE compiles srunPatterns on first use: not at start-up, for a run
// that never uses Slurm.
var srunRE = sync.OnceValue(func() *srunPatterns {
	return &srunPatterns{
		queued: regexp.MustCompile(`^srun: job (\d+) queued and waiting for resources`),
		jobID:  regexp.MustCompile(`^srun: jobid (\d+): `),
		// What srun -v says once the task is launched, but for errors and
		// its plugins' lines.
		srunTalk:  regexp.MustCompile(`^srun: (?:(?:Force Terminated|Complete|Terminating|Cancelled) |Job step aborted|got SIG|forcing job termination|sending Ctrl-C|interrupt \(one more|Job allocation \d+ has been revoked|Received task exit|Step created for|Job \d+ step creation)`),
		plugin:    regexp.MustCompile(`^srun: [a-z_]+/[a-z_0-9]+: `),
		stepWait:  regexp.MustCompile(`^srun: Job \d+ step creation (?:temporarily|still) disabled`),
		launching: regexp.MustCompile(`^srun: launching StepId=(\d+)(?:\+\d+)?\.(\d+) `),
		status:    regexp.MustCompile(`_task_finish: Received task exit notification for \d+ tasks? of StepId=\S+ \(status=0x([0-9a-fA-F]+)\)`),
		taskLine:  regexp.MustCompile(`^srun: (?:error|launch/slurm: _task_finish): \S+: tasks? [0-9,-]+: (.*)$`),
		option:    regexp.MustCompile(`^srun: (?:unrecognized option|invalid option|option )`),
		stepd:     regexp.MustCompile(`^slurmstepd(?:-\S+)?: error: (.*)$`),
		cancelled: regexp.MustCompile(`^\*\*\* (?:STEP|JOB) \S+ ON \S+ CANCELLED AT \S+ \*\*\*$`),
	}
})

// run reads srun's stderr to its end (or until stop), then closes it and
// the job's stderr, and closes done.
func (f *filter) run(done chan<- struct{}) {
	r := f.r
	defer close(done)
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		f.feed(chunk[:n])
		if err != nil {
			break
		}
	}
	f.buf = append(f.buf, f.held...) // a last line without a newline
	f.held = nil
	f.flush()
	r.Close()
	f.out.Close()
}

// stop makes run return soon, even if srun's stderr is still open.
func (f *filter) stop() { f.r.SetReadDeadline(time.Now()) }

// maySlurm reports whether b, the start of a line, may be Slurm's.
func maySlurm(b []byte) bool {
	for _, m := range []string{"srun: ", "slurmstepd", `Try "srun --help"`} {
		if len(b) < len(m) && strings.HasPrefix(m, string(b)) || bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}

// feed handles what one read returned.
func (f *filter) feed(b []byte) {
	for len(b) > 0 {
		if f.midLine && len(f.held) == 0 {
			// In a line of the job's: pass it on, to its end.
			end := bytes.IndexByte(b, '\n')
			if end < 0 {
				f.buf = append(f.buf, b...)
				break
			}
			f.buf = append(f.buf, b[:end+1]...)
			b = b[end+1:]
			f.midLine = false
			continue
		}
		// At the start of a line, or holding one back.
		end := bytes.IndexByte(b, '\n')
		n := len(b)
		if end >= 0 {
			n = end + 1
		}
		if len(f.held) == 0 && !maySlurm(b[:n]) {
			f.buf = append(f.buf, b[:n]...)
			f.midLine = end < 0
			b = b[n:]
			continue
		}
		f.held = append(f.held, b[:n]...)
		b = b[n:]
		if end >= 0 {
			f.line(f.held)
			f.held = f.held[:0]
		} else if !maySlurm(f.held) || len(f.held) > maxHeld {
			f.buf = append(f.buf, f.held...)
			f.held = f.held[:0]
			f.midLine = true
		}
	}
	f.flush()
}

func (f *filter) flush() {
	if len(f.buf) > 0 {
		f.out.Write(f.buf) // a destination that fails loses the output, as a job's own write would
		f.buf = f.buf[:0]
	}
}

// line handles a whole line that may be Slurm's, its newline included:
// reads it, and passes it on or drops it.
func (f *filter) line(raw []byte) {
	text := strings.TrimRight(string(raw), "\r\n")
	rep := &f.rep
	if strings.HasPrefix(text, "slurmstepd") {
		m := srunRE().stepd.FindStringSubmatch(text)
		switch {
		case m != nil && strings.HasPrefix(m[1], "execve(): "):
			rep.execError = m[1]
			return
		case m != nil && srunRE().cancelled.MatchString(m[1]) && f.p.terminating():
			return // expool's own doing
		}
		f.buf = append(f.buf, raw...)
		return
	}
	if !strings.HasPrefix(text, "srun: ") {
		if len(rep.refusals) > 0 && !rep.launched && strings.HasPrefix(text, `Try "srun --help"`) {
			return // the end of a usage error
		}
		f.buf = append(f.buf, raw...)
		return
	}
	if m := srunRE().taskLine.FindStringSubmatch(text); m != nil {
		if sig, ok := signalNamed(m[1]); ok {
			rep.signals = append(rep.signals, sig)
		}
		return
	}
	if m := srunRE().status.FindStringSubmatch(text); m != nil {
		if ws, err := strconv.ParseUint(m[1], 16, 32); err == nil {
			rep.statuses = append(rep.statuses, syscall.WaitStatus(ws))
		}
		return
	}
	if srunRE().plugin.MatchString(text) {
		return // a plugin's verbose line: "srun: launch/slurm: _task_start: ..."
	}
	if m := srunRE().launching.FindStringSubmatch(text); m != nil && !rep.launched {
		rep.launched = true
		// Errors srun got over before it launched the task are the job's
		// business after all.
		for _, l := range f.early {
			f.buf = append(f.buf, l...)
		}
		f.early = nil
		f.p.launch(m[1], m[1]+"."+m[2])
		return
	}
	if !rep.launched {
		if m := srunRE().queued.FindStringSubmatch(text); m != nil {
			f.p.queue(m[1])
			return
		}
		if srunRE().stepWait.MatchString(text) {
			f.p.queue("")
			return
		}
		if m := srunRE().jobID.FindStringSubmatch(text); m != nil {
			f.p.setJobID(m[1])
			return
		}
	}
	msg, isError := strings.CutPrefix(text, "srun: error: ")
	if !isError {
		msg, isError = strings.CutPrefix(text, "srun: fatal: ")
	}
	if !isError && srunRE().option.MatchString(text) {
		msg, isError = strings.TrimPrefix(text, "srun: "), true
	}
	switch {
	case isError && !rep.launched:
		rep.refusals = append(rep.refusals, msg)
		f.early = append(f.early, append([]byte(nil), raw...))
	case isError, strings.HasPrefix(text, "srun: Warning"), strings.HasPrefix(text, "srun: warning"):
		f.buf = append(f.buf, raw...)
	case rep.launched && !srunRE().srunTalk.MatchString(text) && !f.p.terminating():
		// Once the task is launched, srun says little, but when it is ended:
		// a line like this is the job's.
		f.buf = append(f.buf, raw...)
	}
	// The rest is srun's verbose talk.
}

// code is the job's return code: the exit code of its task, or -N when
// signal N ended it, from srun's exit status and what srun said. srun
// exits with the task's exit code, or 128+N when signal N killed it: the
// task's wait status (a verbose line), or the signal's name on srun's task
// line, tells the two apart.
func (r *report) code(srunStatus int) int {
	for _, ws := range r.statuses {
		if ws.Signaled() && 128+int(ws.Signal()) == srunStatus {
			return -int(ws.Signal())
		}
	}
	for _, sig := range r.signals {
		if 128+int(sig) == srunStatus {
			return -int(sig)
		}
	}
	return srunStatus
}

// signalNamed reads the signal that srun names on a task line ("Killed",
// "Terminated", "Segmentation fault (core dumped)"): the C library's
// strsignal, which Go's signal names follow but for their case.
func signalNamed(text string) (syscall.Signal, bool) {
	text = strings.TrimSuffix(text, " (core dumped)")
	for sig := syscall.Signal(1); sig < 65; sig++ {
		if strings.EqualFold(sig.String(), text) {
			return sig, true
		}
	}
	return 0, false
}
