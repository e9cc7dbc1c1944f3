package records

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"expool/pool"
)

// Resume gives the jobs of a run what they had when they ran to "done" in
// an earlier run, from a job log and the output saved beside it: returncode
// 0, tstart and tstop (to the millisecond), rusage, restarts, and what they
// captured. Each "done" line serves one job: the jobs of one name take that
// name's lines in the order of the log, so that a script that executes a job
// of a name once more than before runs it, and cannot loop on resumed jobs.
type Resume struct {
	path  string
	done  map[string][]doneLine
	saved *savedOutputs
	warn  io.Writer

	seen                    map[string]bool
	warnedDup, warnedOutput bool
}

// doneLine is a "done" line of a job log.
type doneLine struct {
	offset  int64 // of the line in the file
	attempt int
	start   string // as written
	last    pool.Attempt
}

// ReadResume reads the job log at path, for --resume; warnings go to warn.
// A line that is not a job log's is an error naming the file and the line;
// a last line that a crash cut short is left out.
// A job log that does not exist yet has no "done" line: every job runs.
func ReadResume(path string, warn io.Writer) (*Resume, error) {
	r := &Resume{path: path, done: map[string][]doneLine{}, saved: &savedOutputs{dir: path + ".out"},
		warn: warn, seen: map[string]bool{}}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	sc.Split(scanWholeLines)
	var offset int64
	for n := 1; sc.Scan(); n++ {
		raw := sc.Bytes()
		at := offset
		offset += int64(len(raw))
		line, whole := strings.CutSuffix(string(raw), "\n")
		if line == JobLogHeader || line == oldJobLogHeader || line == "" {
			continue
		}
		d, err := parseLine(line)
		switch {
		case err != nil && !whole:
			continue // cut short by a crash: the attempt runs again
		case err != nil:
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		case d.status != pool.StatusDone:
			continue
		}
		d.offset = at
		r.done[d.name] = append(r.done[d.name], d.doneLine)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s: a line is longer than 16 MiB: not a job log", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// scanWholeLines splits at newlines, keeping them, so that offsets add up.
func scanWholeLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i+1], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// logLine is a line of a job log, read back.
type logLine struct {
	name   string
	status pool.Status
	doneLine
}

// parseLine reads a line of a job log, without its newline: of 13 fields,
// or of 12, as they were before peakmem_kib.
func parseLine(line string) (logLine, error) {
	f := strings.Split(line, "\t")
	if len(f) != len(jobLogFields) && len(f) != len(oldJobLogFields) {
		return logLine{}, fmt.Errorf("expected %d tab-separated fields (%s), got %d", len(jobLogFields), JobLogHeader, len(f))
	}
	d := logLine{name: unescape(f[0]), status: pool.Status(f[7])}
	var err error
	if d.attempt, err = strconv.Atoi(f[2]); err != nil || d.attempt < 1 {
		return logLine{}, fmt.Errorf("attempt %q is not a number ≥ 1", f[2])
	}
	if !knownStatus(d.status) {
		return logLine{}, fmt.Errorf("unknown status %q", f[7])
	}
	num := func(i int) time.Duration {
		d, ok := decimalSeconds(f[i])
		if !ok && err == nil {
			err = fmt.Errorf("%s %q is not a number of seconds", jobLogFields[i], f[i])
		}
		return d
	}
	d.start = f[3]
	start, runtime := num(3), num(4)
	var usage pool.Rusage
	if f[8] == "-" && f[9] == "-" && f[10] == "-" {
		usage.Unknown = true // a job that ran on Slurm
	} else {
		usage.Utime, usage.Stime = num(8), num(9)
		var e error
		usage.MaxRSS, e = strconv.ParseInt(f[10], 10, 64)
		if e != nil && err == nil {
			err = fmt.Errorf("maxrss_kib %q is not a number", f[10])
		}
	}
	var peak int64
	if len(f) == len(jobLogFields) && f[11] != "-" {
		var e error
		peak, e = strconv.ParseInt(f[11], 10, 64)
		if (e != nil || peak < 0) && err == nil {
			err = fmt.Errorf("peakmem_kib %q is not a number", f[11])
		}
	}
	if err != nil {
		return logLine{}, err
	}
	begin := time.Unix(0, int64(start))
	d.last = pool.Attempt{Start: begin, Stop: begin.Add(runtime), Rusage: usage, PeakMem: peak << 10}
	return d, nil
}

// decimalSeconds reads seconds written as the job log writes them, digits
// and a decimal point, to the nanosecond, with no rounding.
func decimalSeconds(s string) (time.Duration, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 9 || strings.Trim(whole+frac, "0123456789") != "" || len(whole) > 10 {
		return 0, false
	}
	sec, _ := strconv.ParseInt(whole, 10, 64)
	ns, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
	return time.Duration(sec)*time.Second + time.Duration(ns), true
}

func knownStatus(st pool.Status) bool {
	switch st {
	case pool.StatusDone, pool.StatusFailed, pool.StatusTimeout, pool.StatusTerminated,
		pool.StatusCancelled, pool.StatusError, pool.StatusMemory, pool.StatusRequeued:
		return true
	}
	return false
}

// Done reports whether j ran to "done" in an earlier run, and if so gives it
// what it had then (pool.Loop.Resume). A job that captures its output now,
// but whose output was not saved (an older job log, a full disk), runs again.
func (r *Resume) Done(j *pool.Job) bool {
	if r.seen[j.Name] && !r.warnedDup {
		r.warnedDup = true
		fmt.Fprintf(r.warn, "expool: warning: more than one job is named %q: --resume gives the \"done\" lines of a name in the job log to the jobs of that name in the order they are executed, one line each\n", j.Name)
	}
	r.seen[j.Name] = true
	lines := r.done[j.Name]
	if len(lines) == 0 {
		return false
	}
	d := lines[0]
	r.done[j.Name] = lines[1:]
	last := d.last
	stdout, stderr := j.OutputDests()
	pipeOut := stdout.Kind == pool.DestPipe
	pipeErr := stderr.Kind == pool.DestPipe
	if pipeOut || pipeErr {
		out, errout, err := r.saved.load(d.offset, savedHeader{name: j.Name, attempt: d.attempt, start: d.start})
		if err == nil && (pipeOut != (out != nil) || pipeErr != (errout != nil)) {
			err = errors.New("it captured other streams then")
		}
		if err != nil {
			if !r.warnedOutput {
				r.warnedOutput = true
				if errors.Is(err, errNotSaved) {
					err = fmt.Errorf("no output of it is saved in %s", r.saved.dir)
				}
				fmt.Fprintf(r.warn, "expool: warning: --resume: job %q runs again, as its captured output cannot be given back: %v (other jobs in that case run again without a warning)\n", j.Name, err)
			}
			return false
		}
		last.Output, last.ErrOutput = out, errout
	}
	j.Last = &last
	j.Restarts = d.attempt - 1
	return true
}
