package records

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"expool/pool"
)

// A job that ran on Slurm has no usage that expool could measure: its line
// says "-" in the usage columns, and --resume gives it back unknown.
func TestJobLogUnknownUsage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.tsv")
	l, err := OpenJobLog(path)
	if err != nil {
		t.Fatal(err)
	}
	j := ranJob("remote", 0, []byte("out\n"), nil)
	j.Last.Rusage, j.Last.PeakMem = pool.Rusage{Unknown: true}, 0 // nor its memory sampled
	l.AttemptEnded(j, pool.StatusDone)
	l.Close()
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "\tdone\t-\t-\t-\t-\tprog arg\n") {
		t.Errorf("the job log says %q; want - for utime, stime, maxrss_kib and peakmem_kib", b)
	}
	r, err := ReadResume(path, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	k := &pool.Job{Name: "remote", Args: []string{"prog", "arg"}, Stdout: pool.Pipe}
	if !r.Done(k) || k.Last.Rusage != (pool.Rusage{Unknown: true}) {
		t.Errorf("resumed: %v, usage %+v; want resumed, unknown", k.Last != nil, k.Last)
	}
}
