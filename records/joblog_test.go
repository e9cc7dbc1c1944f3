package records

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"expool/pool"
)

// ShellQuote's output, given to bash, gives back the arguments byte for byte.
func TestShellQuoteRoundTrip(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	args := []string{"plain", "a b", "it's", `back\slash`, "tab\there", "new\nline", "", "$HOME", "*", "é", "\x01\x7f", "'\\'"}
	quoted := ShellQuote(args)
	if strings.ContainsAny(quoted, "\t\n") {
		t.Fatalf("%q is not on one line of one column", quoted)
	}
	out, err := exec.Command(bash, "-c", `printf '%s\0' `+quoted).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if strings.Join(got, "|") != strings.Join(args, "|") {
		t.Errorf("bash read %q back as %q", quoted, got)
	}
}

func TestReadResume(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tsv")
	os.WriteFile(good, []byte(JobLogHeader+"\n"+
		"a\t-\t1\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\ttrue\n"+
		"b\t-\t1\t1.000\t0.100\t1\t0\tfailed\t0\t0\t0\tfalse\n"+
		"tab\\tname\t-\t2\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\t\n"+
		"a\t-\t1\t2.000\t0.100\t0\t0\tdone\t0\t0\t0\ttrue\n"+
		"cut\t-\t1\t1.000\t0.1"), 0o666)
	r, err := ReadResume(good, io.Discard)
	if err != nil || len(r.done["a"]) != 2 || r.done["b"] != nil || len(r.done["tab\tname"]) != 1 || len(r.done) != 2 {
		t.Errorf("ReadResume: %v, %v", r, err)
	}
	bad := filepath.Join(dir, "bad.tsv")
	os.WriteFile(bad, []byte("a\t-\tone\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\ttrue\n"), 0o666)
	if _, err := ReadResume(bad, io.Discard); err == nil || !strings.Contains(err.Error(), "bad.tsv:1: attempt \"one\" is not a number") {
		t.Errorf("a bad attempt: %v", err)
	}
	binary := filepath.Join(dir, "binary")
	os.WriteFile(binary, bytes.Repeat([]byte{0, 1, 2, '\n'}, 100), 0o666)
	if _, err := ReadResume(binary, io.Discard); err == nil || !strings.Contains(err.Error(), "binary:1: expected 13") {
		t.Errorf("a file that is no job log: %v", err)
	}

	// Lines of 13 fields, peakmem_kib "-" or a number, and the statuses
	// memory and requeued; lines of 12 fields, and the old header, before
	// and after them, as in a job log written before peakmem_kib was added
	// and appended to since.
	mixed := filepath.Join(dir, "mixed.tsv")
	os.WriteFile(mixed, []byte(oldJobLogHeader+"\n"+
		"old\t-\t1\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\ttrue\n"+
		"oldfail\t-\t1\t1.000\t0.100\t1\t0\tfailed\t0\t0\t0\tfalse\n"+
		"new\t-\t1\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\t1024\ttrue\n"+
		"unsampled\t-\t1\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\t-\ttrue\n"+
		"m\t-\t1\t1.000\t0.100\t-\t15\trequeued\t0\t0\t0\t2048\tgrow\n"+
		"m\t-\t2\t1.000\t0.100\t-\t15\tmemory\t0\t0\t0\t4096\tgrow\n"), 0o666)
	r, err = ReadResume(mixed, io.Discard)
	if err != nil || len(r.done) != 3 || r.done["old"] == nil || r.done["new"] == nil || r.done["unsampled"] == nil {
		t.Fatalf("ReadResume of a job log of both kinds: %v, %v", r, err)
	}
	if got := r.done["new"][0].last.PeakMem; got != 1024<<10 {
		t.Errorf("a resumed job's peakmem: %d bytes, want 1 MiB", got)
	}
	if r.done["old"][0].last.PeakMem != 0 || r.done["unsampled"][0].last.PeakMem != 0 {
		t.Errorf("a resumed job with no peakmem_kib has one")
	}
	badPeak := filepath.Join(dir, "badpeak.tsv")
	os.WriteFile(badPeak, []byte("a\t-\t1\t1.000\t0.100\t0\t0\tdone\t0\t0\t0\tlots\ttrue\n"), 0o666)
	if _, err := ReadResume(badPeak, io.Discard); err == nil || !strings.Contains(err.Error(), `badpeak.tsv:1: peakmem_kib "lots" is not a number`) {
		t.Errorf("a bad peakmem_kib: %v", err)
	}
}

// ranJob is a job that ran once, ending at stop, with what it captured.
func ranJob(name string, restarts int, stdout, stderr []byte) *pool.Job {
	start := time.Unix(1700000000, 123456789)
	j := &pool.Job{Name: name, Args: []string{"prog", "arg"}, Restarts: restarts, Stdout: pool.Pipe, Stderr: pool.Pipe}
	if stderr == nil {
		j.Stderr = pool.Inherit
	}
	j.Last = &pool.Attempt{Start: start, Stop: start.Add(1500 * time.Millisecond), PID: 42,
		Output: stdout, ErrOutput: stderr, Rusage: pool.Rusage{Utime: 700 * time.Millisecond, Stime: 20 * time.Millisecond, MaxRSS: 1234},
		PeakMem: 5 << 20}
	return j
}

// A resumed job gets what it had: its times, rusage, peak memory, restarts
// and output; each "done" line once.
func TestResumeGivesBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.tsv")
	l, err := OpenJobLog(path)
	if err != nil {
		t.Fatal(err)
	}
	l.AttemptEnded(ranJob("x", 1, []byte("out\n"), []byte{}), pool.StatusDone)
	l.AttemptEnded(ranJob("y", 0, []byte("y's\x00binary"), nil), pool.StatusDone)
	l.AttemptEnded(ranJob("x", 0, []byte("second x\n"), []byte("e")), pool.StatusFailed)
	l.Close()

	r, err := ReadResume(path, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name           string
		stdout, stderr []byte
		restarts       int
	}{{"x", []byte("out\n"), []byte{}, 1}, {"y", []byte("y's\x00binary"), nil, 0}} {
		j := &pool.Job{Name: c.name, Args: []string{"prog"}, Stdout: pool.Pipe}
		if c.stderr != nil {
			j.Stderr = pool.Pipe
		}
		if !r.Done(j) {
			t.Fatalf("%s is not resumed", c.name)
		}
		a := j.Last
		if !bytes.Equal(a.Output, c.stdout) || !bytes.Equal(a.ErrOutput, c.stderr) || (a.ErrOutput == nil) != (c.stderr == nil) {
			t.Errorf("%s: output %q, erroutput %q; want %q, %q", c.name, a.Output, a.ErrOutput, c.stdout, c.stderr)
		}
		if a.Start.UnixMilli() != 1700000000123 || a.Stop.Sub(a.Start) != 1500*time.Millisecond ||
			a.Rusage != (pool.Rusage{Utime: 700 * time.Millisecond, Stime: 20 * time.Millisecond, MaxRSS: 1234}) || a.PeakMem != 5<<20 || j.Restarts != c.restarts {
			t.Errorf("%s: %+v, restarts %d", c.name, a, j.Restarts)
		}
	}
	// x's one "done" line is used: a second x runs (its failed line does not count).
	if r.Done(&pool.Job{Name: "x", Stdout: pool.Pipe}) {
		t.Error("a second job x is resumed from x's one done line")
	}
}

// A crash between the saved output and the line leaves an output without a
// line: it is removed when the log is opened next, and never given to the
// line written at its offset then. A line that a crash cut short is cut off.
func TestJobLogAfterACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.tsv")
	l, err := OpenJobLog(path)
	if err != nil {
		t.Fatal(err)
	}
	l.AttemptEnded(ranJob("a", 0, []byte("a's\n"), nil), pool.StatusDone)
	// The crash: b's output is saved, its line not written, and half of a
	// line of c's.
	if err := l.saved.save(l.size, savedHeader{name: "b", attempt: 1, start: "1700000000.123"}, []byte("b's\n"), nil); err != nil {
		t.Fatal(err)
	}
	l.f.WriteString("c\t-\t1\t17000")
	l.Close()
	os.WriteFile(filepath.Join(path+".out", ".tmp-123"), []byte("half"), 0o666)

	// Reading it for --resume: a is done; the cut line is left out.
	r, err := ReadResume(path, io.Discard)
	if err != nil || len(r.done) != 1 || len(r.done["a"]) != 1 {
		t.Fatalf("ReadResume after a crash: %v, %v", r, err)
	}
	// Opening it again: the cut line and b's output are gone; b's line,
	// when it comes, does not get b's old output.
	if l, err = OpenJobLog(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(path + ".out")
	if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), "-a") {
		t.Errorf("saved outputs after reopening: %v, want a's only", entries)
	}
	b := ranJob("b", 0, nil, nil)
	b.Stdout = pool.Inherit
	b.Last.Output = nil
	l.AttemptEnded(b, pool.StatusDone)
	l.Close()
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte("c\t-")) || !bytes.HasSuffix(data, []byte("\tdone\t0.700\t0.020\t1234\t5120\tprog arg\n")) || bytes.Count(data, []byte("\n")) != 3 {
		t.Errorf("the job log after a crash and a line:\n%s", data)
	}
	r, _ = ReadResume(path, io.Discard)
	if j := (&pool.Job{Name: "b", Args: []string{"prog"}, Stdout: pool.Pipe}); r.Done(j) {
		t.Errorf("b resumed with output %q from before the crash", j.Last.Output)
	}
}

// A last line that lacks only its newline (an editor's doing) is kept.
func TestJobLogKeepsAWholeLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.tsv")
	line := "a\t-\t1\t1.000\t0.100\t0\t0\tdone\t0.000\t0.000\t10\ttrue"
	os.WriteFile(path, []byte(JobLogHeader+"\n"+line), 0o666)
	l, err := OpenJobLog(path)
	if err != nil {
		t.Fatal(err)
	}
	l.AttemptEnded(ranJob("b", 0, nil, nil), pool.StatusDone)
	l.Close()
	data, _ := os.ReadFile(path)
	if !bytes.HasPrefix(data, []byte(JobLogHeader+"\n"+line+"\nb\t")) {
		t.Errorf("the job log:\n%s", data)
	}
}
