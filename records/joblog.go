// Package records keeps the records of a run (spec §8): the job log, which
// --resume reads back, the live progress line, the end-of-run summary and
// the timeline page. Each one is a pool.Observer, or reads a Tally, which is.
package records

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"expool/pool"
)

// JobLogHeader is the first line of a new job log.
const JobLogHeader = "name\ttask\tattempt\tstart\truntime\texitcode\tsignal\tstatus\tutime\tstime\tmaxrss_kib\tcommand"

var jobLogFields = strings.Split(JobLogHeader, "\t")

// JobLog writes one tab-separated line per attempt, each with one write as the
// attempt ends, so that a run killed even with SIGKILL loses no line of an
// attempt that had ended. A job that could not start gets a line too (status
// error); a cancelled or resumed one does not, as it had no attempt.
type JobLog struct {
	f *os.File
}

// OpenJobLog opens path for appending, creating it, and its header, if new.
func OpenJobLog(path string) (*JobLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() == 0 {
		_, err = io.WriteString(f, JobLogHeader+"\n")
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &JobLog{f: f}, nil
}

// Close closes the file.
func (l *JobLog) Close() error { return l.f.Close() }

func (l *JobLog) JobExecuted(*pool.Job)    {}
func (l *JobLog) AttemptStarted(*pool.Job) {}

// AttemptEnded writes the attempt's line.
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
	l.write(j, a.Start, a.Stop.Sub(a.Start), exit, signal, st, a.Rusage)
}

// JobFinished writes the line of a job that could not start: it ended
// "error", and not because its last attempt was lost (that one has its line).
func (l *JobLog) JobFinished(j *pool.Job) {
	if j.Status == pool.StatusError && (j.Last == nil || !j.Last.Lost) {
		l.write(j, time.Now(), 0, "-", 0, pool.StatusError, pool.Rusage{})
	}
}

func (l *JobLog) write(j *pool.Job, start time.Time, runtime time.Duration, exit string, signal int, st pool.Status, ru pool.Rusage) {
	task := "-"
	if j.Task != nil {
		task = escape(j.Task.Name)
	}
	usage := fmt.Sprintf("%.3f\t%.3f\t%d", ru.Utime.Seconds(), ru.Stime.Seconds(), ru.MaxRSS)
	if ru.Unknown { // on Slurm: srun is not told the job's usage
		usage = "-\t-\t-"
	}
	line := fmt.Sprintf("%s\t%s\t%d\t%.3f\t%.3f\t%s\t%d\t%s\t%s\t%s\n",
		escape(j.Name), task, j.Restarts+1, seconds(start), runtime.Seconds(), exit, signal, st,
		usage, ShellQuote(j.Args))
	// One write: it reaches the kernel whole, even if expool dies next.
	l.f.WriteString(line)
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

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

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// ShellQuote writes argv as a shell would read it back, on one line: an
// argument with a control character (a tab, a newline) in bash's $'...'
// quoting, any other that needs it in single quotes.
func ShellQuote(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		switch {
		case shellSafe.MatchString(a):
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

// ReadDone reads a job log and returns the names of the jobs that have a
// "done" line. A line that is not a job log's is an error naming the file
// and the line.
func ReadDone(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	done := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == JobLogHeader || line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != len(jobLogFields) {
			return nil, fmt.Errorf("%s:%d: expected %d tab-separated fields (%s), got %d", path, n, len(jobLogFields), JobLogHeader, len(fields))
		}
		if _, err := strconv.Atoi(fields[2]); err != nil {
			return nil, fmt.Errorf("%s:%d: attempt %q is not a number", path, n, fields[2])
		}
		if !knownStatus(pool.Status(fields[7])) {
			return nil, fmt.Errorf("%s:%d: unknown status %q", path, n, fields[7])
		}
		if fields[7] == string(pool.StatusDone) {
			done[unescape(fields[0])] = true
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s: a line is longer than 16 MiB: not a job log", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return done, nil
}

func knownStatus(st pool.Status) bool {
	switch st {
	case pool.StatusDone, pool.StatusFailed, pool.StatusTimeout, pool.StatusTerminated,
		pool.StatusCancelled, pool.StatusError:
		return true
	}
	return false
}

// Resume tells which jobs are done already, by name, from a job log; it warns
// once if two jobs of this run share a name, which it cannot tell apart.
type Resume struct {
	done   map[string]bool
	seen   map[string]bool
	warned bool
	warn   io.Writer
}

// NewResume returns a Resume over the names of jobs done, warning to warn.
func NewResume(done map[string]bool, warn io.Writer) *Resume {
	return &Resume{done: done, seen: map[string]bool{}, warn: warn}
}

// Done reports whether j ran to "done" in an earlier run (pool.Loop.Resume).
func (r *Resume) Done(j *pool.Job) bool {
	if r.seen[j.Name] && !r.warned {
		r.warned = true
		fmt.Fprintf(r.warn, "expool: warning: more than one job is named %q: --resume tells jobs apart by name, so it skips all of them once one is done\n", j.Name)
	}
	r.seen[j.Name] = true
	return r.done[j.Name]
}
