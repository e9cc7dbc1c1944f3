package tests

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"expool/pool/local"
)

// A job's rusage.maxrss is its own peak, within 5% of what /usr/bin/time
// says for the same command, however much memory expool holds: the kernel
// would charge a process forked from expool with expool's peak.
func TestMaxRSSIsTheJobsOwn(t *testing.T) {
	if _, err := exec.LookPath("/usr/bin/time"); err != nil {
		t.Skip("/usr/bin/time is missing (Debian: apt-get install time)")
	}
	if local.Portable {
		t.Skip("the portable launcher has no spawner: Go forks jobs sharing expool's memory until exec, so their maxrss is at least expool's peak")
	}
	for _, mib := range []int{8, 64} {
		_, out, expool := runExpool(t, fmt.Sprintf(`
local big = {}
for i = 1, 3e6 do big[i] = i end -- expool holds more than 100 MiB
local pool = ExecPool(1)
for i = 1, 3 do
  pool:execute(Job{name="alloc", args={"testproc", "alloc", "%d"}, onfinish=function(j)
    print(j.status, j.rusage.maxrss)
  end})
end
pool:join()
`, mib))
		var timed []int64
		for range 3 {
			cmd := exec.Command("/usr/bin/time", "-f", "%M", "testproc", "alloc", strconv.Itoa(mib))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("/usr/bin/time: %v\n%s", err, stderr.String())
			}
			kib, err := strconv.ParseInt(strings.TrimSpace(lastLine(stderr.String())), 10, 64)
			if err != nil {
				t.Fatalf("/usr/bin/time said %q", stderr.String())
			}
			timed = append(timed, kib)
		}
		oracle := median3(timed)
		t.Logf("alloc %d MiB: expool (peak %d KiB) says %q; /usr/bin/time says %v KiB", mib, expool, out, timed)
		if expool < 100<<10 {
			t.Errorf("expool's peak is %d KiB: the test needs it to hold more than the job", expool)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 3 {
			t.Fatalf("got %q, want three jobs", out)
		}
		for _, line := range lines {
			var status string
			var kib int64
			if _, err := fmt.Sscan(line, &status, &kib); err != nil || status != "done" {
				t.Fatalf("job: %q", line)
			}
			if diff := kib - oracle; diff > oracle/20 || -diff > oracle/20 {
				t.Errorf("alloc %d MiB: maxrss %d KiB, /usr/bin/time says %d KiB: more than 5%% apart", mib, kib, oracle)
			}
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func median3(x []int64) int64 {
	a, b, c := x[0], x[1], x[2]
	return max(min(a, b), min(max(a, b), c))
}
