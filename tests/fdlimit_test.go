package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"expool/pool/local"
)

// With ulimit -n 1024, 2,000 jobs at once: those that hold no file
// descriptor all run at once; those with a PIPE each hold one, so that as
// many run at once as the limit allows, the others wait, and expool says so
// once; none fails. Under the portable launcher each running job holds one
// on Linux (Go's pidfd of the process), so plain jobs are capped too.
func TestFDLimit(t *testing.T) {
	const n = 2000
	dir := t.TempDir()
	script := filepath.Join(dir, "script.lua")
	if err := os.WriteFile(script, []byte(`
local n, pipe, short = tonumber(arg[1]), arg[2] == "pipe", arg[3] == "short"
local pool = ExecPool(n)
local ended = 0
for i = 1, n do
  -- Plain jobs are terminated once all have started; PIPE jobs, and short
  -- ones, end by themselves.
  pool:execute(Job{name="j" .. i, args={"sleep", (pipe or short) and "0.5" or "1000"}, stdout=pipe and PIPE or nil,
    onfinish=function(j)
      if j.status == ((pipe or short) and "done" or "terminated") and (not pipe or j.output == "") then ended = ended + 1 end
    end})
end
-- Every job that could start has started: its process runs.
local running = pool.running
if not pipe and not short then pool:terminate() end
print(pool:join(), ended, running)
`), 0o666); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"plain", "pipe"} {
		length := "long"
		if local.Portable && mode == "plain" {
			length = "short"
		}
		cmd := exec.Command("sh", "-c", `ulimit -n 1024 && exec expool script.lua "$@"`, "sh", "2000", mode, length)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, stderr.String())
		}
		var ok string
		var done, running int
		if _, err := fmt.Sscan(stdout.String(), &ok, &done, &running); err != nil || ok != "true" || done != n {
			t.Fatalf("%s: got %q (stderr %q), want every job to end as it should", mode, stdout.String(), stderr.String())
		}
		perJob := 1 // file descriptors a running PIPE job holds
		if local.Portable && runtime.GOOS == "linux" {
			perJob = 2
		}
		waits := strings.Count(stderr.String(), "wait for file descriptors")
		t.Logf("%s: %d jobs running at once; stderr: %q", mode, running, stderr.String())
		switch {
		case mode == "plain" && local.Portable && runtime.GOOS == "linux":
			if running >= 1024 || running < 500 || waits != 1 {
				t.Errorf("plain jobs, portable launcher: %d ran at once, want under the limit of 1024 (but most of it), and one word of why (%d)", running, waits)
			}
		case mode == "plain" && (running != n || stderr.Len() != 0):
			t.Errorf("plain jobs: %d ran at once, want all %d, and nothing on stderr", running, n)
		case mode == "pipe" && (running*perJob >= 1024 || running*perJob < 500 || waits != 1):
			t.Errorf("PIPE jobs: %d ran at once, want under the limit of 1024 (but most of it), and one word of why (%d)", running, waits)
		}
	}
}
