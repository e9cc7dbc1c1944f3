// Package records keeps the records of a run: the job log, which --resume
// reads back, with the output its jobs captured saved beside it; the live
// progress line, which shares the terminal with the output; the end-of-run
// summary; the report of jobs that could not start; and the timeline page.
// Each one is a pool.Observer, or reads a Tally, which is.
package records

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"expool/pool"
)

// JobLogHeader is the first line of a new job log.
const JobLogHeader = "name\ttask\tattempt\tstart\truntime\texitcode\tsignal\tstatus\tutime\tstime\tmaxrss_kib\tpeakmem_kib\tcommand"

// oldJobLogHeader is the header of job logs written before peakmem_kib was
// added; --resume reads them, and their lines, too.
const oldJobLogHeader = "name\ttask\tattempt\tstart\truntime\texitcode\tsignal\tstatus\tutime\tstime\tmaxrss_kib\tcommand"

var (
	jobLogFields    = strings.Split(JobLogHeader, "\t")
	oldJobLogFields = strings.Split(oldJobLogHeader, "\t")
)

// JobLog writes one tab-separated line per attempt, each with one write as the
// attempt ends, so that a run killed even with SIGKILL loses no line of an
// attempt that had ended. A job that could not start gets a line too (status
// error); a cancelled or resumed one does not, as it had no attempt. An
// attempt that its pool requeued to keep under its memory limit has the
// status "requeued". peakmem_kib is the largest memory sampled of the
// attempt, "-" if none was.
//
// What an attempt captured (PIPE) is saved before its line is written, in a
// file of its own in the directory FILE.out beside the job log (see
// savedOutputs), so that --resume can give it back.
//
// A line or an output that cannot be written (a full disk) is reported at
// once on Errors, and Failed reports it at the end. A line is written whole
// or not at all: what a failed write left of it is cut off.
type JobLog struct {
	f    *os.File
	path string
	// size is the length of the file's whole lines: where the next line goes.
	size  int64
	saved *savedOutputs
	// Errors is where write errors are reported, as they happen.
	Errors io.Writer

	lost, unsaved int // lines and outputs that could not be written
}

// OpenJobLog opens path for appending, creating it, and its header, if new.
// It cuts off a last line that a crash left half written, and removes the
// saved outputs that have no line (the crash came between the two writes).
func OpenJobLog(path string) (*JobLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	l := &JobLog{f: f, path: path, Errors: io.Discard}
	regular, err := l.mend()
	if err == nil && l.size == 0 {
		err = l.append([]byte(JobLogHeader + "\n"))
	}
	if err == nil && regular {
		// A job log that is a pipe or a device cannot be resumed from: the
		// output is saved only beside a file.
		l.saved = &savedOutputs{dir: path + ".out"}
		err = l.saved.removeFrom(l.size)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// mend finds where the last whole line of the file ends. A last line without
// its newline is one that a crash cut short, unless it is a whole line that
// lacks only that (an editor's doing): the former is cut off, the latter
// ended.
// It reports whether the job log is a regular file: a pipe or a device is
// written to, never mended.
func (l *JobLog) mend() (regular bool, err error) {
	fi, err := l.f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false, err
	}
	l.size = fi.Size()
	if l.size == 0 {
		return true, nil
	}
	tail := make([]byte, min(l.size, 64<<10))
	if _, err := l.f.ReadAt(tail, l.size-int64(len(tail))); err != nil {
		return true, err
	}
	if tail[len(tail)-1] == '\n' {
		return true, nil
	}
	i := bytes.LastIndexByte(tail, '\n')
	if i < 0 && len(tail) < int(l.size) {
		return true, fmt.Errorf("%s: the last line is longer than 64 KiB: not a job log", l.path)
	}
	last := string(tail[i+1:])
	if _, err := parseLine(last); err == nil || last == JobLogHeader || last == oldJobLogHeader {
		return true, l.append([]byte("\n"))
	}
	l.size -= int64(len(last))
	return true, l.f.Truncate(l.size)
}

// Close closes the file.
func (l *JobLog) Close() error { return l.f.Close() }

// Failed reports whether a line or a saved output could not be written, and
// says how many on w.
func (l *JobLog) Failed(w io.Writer) bool {
	if l.lost+l.unsaved == 0 {
		return false
	}
	fmt.Fprintf(w, "expool: --joblog %s: %d %s and %d captured %s could not be written; --resume runs those jobs again\n",
		l.path, l.lost, plural(l.lost, "line"), l.unsaved, plural(l.unsaved, "output"))
	return true
}

func (l *JobLog) JobExecuted(*pool.Job)    {}
func (l *JobLog) AttemptStarted(*pool.Job) {}

// AttemptEnded saves what the attempt captured, then writes its line.
func (l *JobLog) AttemptEnded(j *pool.Job, st pool.Status) {
	a := j.Last
	exit, signal := "-", 0
	switch {
	case a.Lost:
	case a.ReturnCode >= 0:
		exit = strconv.Itoa(a.ReturnCode)
	default:
		signal = -a.ReturnCode
	}
	line := l.line(j, a.Start, a.Stop.Sub(a.Start), exit, signal, st, a.Rusage, a.PeakMem)
	if l.saved != nil && (a.Output != nil || a.ErrOutput != nil) {
		err := l.saved.save(l.size, savedHeader{name: j.Name, attempt: j.Restarts + 1, start: startField(a.Start)}, a.Output, a.ErrOutput)
		if err != nil {
			if l.unsaved == 0 {
				fmt.Fprintf(l.Errors, "expool: --joblog: saving the output of job %q: %v; --resume will run it again\n", j.Name, err)
			}
			l.unsaved++
		}
	}
	l.write(j, line)
}

// JobFinished writes the line of a job that could not start: it ended
// "error", and not because its last attempt was lost (that one has its line).
func (l *JobLog) JobFinished(j *pool.Job) {
	if j.Status == pool.StatusError && (j.Last == nil || !j.Last.Lost) {
		l.write(j, l.line(j, time.Now(), 0, "-", 0, pool.StatusError, pool.Rusage{}, 0))
	}
}

func (l *JobLog) line(j *pool.Job, start time.Time, runtime time.Duration, exit string, signal int, st pool.Status, ru pool.Rusage, peak int64) []byte {
	task := "-"
	if j.Task != nil {
		task = escape(j.Task.Name)
	}
	// The runtime from the start and the end to the millisecond, so that
	// start + runtime is the end to the millisecond.
	ms := func(t time.Time) int64 { return (t.UnixNano() + 5e5) / 1e6 }
	runtimeMs := ms(start.Add(runtime)) - ms(start)
	peakKiB := "-"
	if peak > 0 {
		peakKiB = strconv.FormatInt(peak>>10, 10)
	}
	usage := fmt.Sprintf("%.3f\t%.3f\t%d", ru.Utime.Seconds(), ru.Stime.Seconds(), ru.MaxRSS)
	if ru.Unknown { // on Slurm: srun is not told the job's usage
		usage = "-\t-\t-"
	}
	return fmt.Appendf(nil, "%s\t%s\t%d\t%s\t%d.%03d\t%s\t%d\t%s\t%s\t%s\t%s\n",
		escape(j.Name), task, j.Restarts+1, startField(start), runtimeMs/1000, runtimeMs%1000, exit, signal, st,
		usage, peakKiB, ShellQuote(j.Args))
}

func (l *JobLog) write(j *pool.Job, line []byte) {
	if err := l.append(line); err != nil {
		if l.lost == 0 {
			fmt.Fprintf(l.Errors, "expool: --joblog: %v: the line of job %q is lost; --resume will run it again\n", err, j.Name)
		}
		l.lost++
	}
}

// append writes b with one write, which reaches the kernel whole even if
// expool dies next. If the write fails, what it left is cut off, so that the
// next line starts a line of its own.
func (l *JobLog) append(b []byte) error {
	n, err := l.f.Write(b)
	if err == nil {
		l.size += int64(n)
		return nil
	}
	if n > 0 {
		l.f.Truncate(l.size)
	}
	return err
}

// startField is an attempt's start as the job log writes it.
func startField(t time.Time) string {
	ms := (t.UnixNano() + 5e5) / 1e6
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

// escape keeps a field on its line and in its column.
func escape(s string) string {
	if !strings.ContainsAny(s, "\t\n\r\\") {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n", `\r`, "\r").Replace(s)
}

// shellSafe is compiled on first use, not at start-up.
var shellSafe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)
})

// ShellQuote writes argv as a shell would read it back, on one line: an
// argument with a control character (a tab, a newline) in bash's $'...'
// quoting, any other that needs it in single quotes.
func ShellQuote(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		switch {
		case shellSafe().MatchString(a):
			quoted[i] = a
		case strings.IndexFunc(a, unicode.IsControl) >= 0:
			quoted[i] = ansiQuote(a)
		default:
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(quoted, " ")
}

// ansiQuote is bash's $'...' quoting.
func ansiQuote(s string) string {
	var b strings.Builder
	b.WriteString("$'")
	for _, r := range s {
		switch {
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
