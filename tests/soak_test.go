package tests

import (
	"bytes"
	"flag"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"expool/luaapi"
	"expool/pool"
	"expool/pool/local"
)

var (
	soakJobs       = flag.Int("soak.jobs", 2000, "jobs in TestSoak (the full soak: 20000)")
	soakConcurrent = flag.Int("soak.concurrent", 2000, "jobs at once in TestSoakConcurrent")
	soakWaves      = flag.Int("soak.waves", 1, "waves of jobs in TestSoakConcurrent (the full soak: 10)")
)

// TestSoak runs testdata/soak.lua in this process, so that it can watch
// expool's goroutines, file descriptors and heap: the script checks that
// every job ends exactly once and that the counts add up; the test checks
// that goroutines and file descriptors are back to where they started, and
// that the heap grows with nothing but pool.failures, which a pool keeps for
// the life of the script.
func TestSoak(t *testing.T) {
	src, err := os.ReadFile("testdata/soak.lua")
	if err != nil {
		t.Fatal(err)
	}
	// The jobs are this test binary: under -race, each would sleep 1s at exit.
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	// The reaper lives as long as the process: start it before counting.
	launcher := local.New()
	runtime.GC()
	goroutines, fds := runtime.NumGoroutine(), countFDs(t)

	var stdout, stderr bytes.Buffer
	loop, err := pool.NewLoop(launcher)
	if err != nil {
		t.Fatal(err)
	}
	s := luaapi.New(loop, luaapi.Options{Stdout: &stdout, Stderr: &stderr, Executable: "expool"})
	type sample struct {
		finished, failures int
		heap               uint64
	}
	var samples []sample
	s.L.SetGlobal("checkpoint", s.L.NewFunction(func(L *lua.LState) int {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		samples = append(samples, sample{L.CheckInt(1), L.CheckInt(2), ms.HeapAlloc})
		return 0
	}))
	code := s.Run("soak.lua", src, []string{strconv.Itoa(*soakJobs)})
	s.Close()
	loop.Close()
	launcher.Close()

	out := stdout.String()
	t.Logf("%d jobs: %s", *soakJobs, strings.TrimSpace(out))
	checkSoak(t, code, out, stderr.String(), goroutines, fds)

	if len(samples) < 2 {
		t.Fatalf("only %d checkpoints", len(samples))
	}
	first, last := samples[0], samples[len(samples)-1]
	grew := int64(last.heap) - int64(first.heap)
	failures := last.failures - first.failures
	jobs := last.finished - first.finished
	t.Logf("heap: %d KiB after %d jobs, %d KiB after %d (%d more failures kept in pool.failures)",
		first.heap>>10, first.finished, last.heap>>10, last.finished, failures)
	// A failed job kept in pool.failures costs well under 2 KiB; a finished
	// one that is not kept must cost nothing, with slack for the heap's noise.
	if bound := int64(failures)*2048 + int64(jobs)*64 + 2<<20; grew > bound {
		t.Errorf("the heap grew by %d bytes over %d jobs (%d failures): more than %d", grew, jobs, failures, bound)
	}
}

// checkSoak checks a soak's end: exit 0, nothing on stderr, the script's own
// checks passed, and no goroutine or file descriptor more than before.
func checkSoak(t *testing.T, code int, out, stderr string, goroutines, fds int) {
	t.Helper()
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.HasPrefix(out, "created ") || strings.Contains(out, "PROBLEM") {
		t.Errorf("the script's checks failed:\n%s", out)
	}
	runtime.GC()
	if g := runtime.NumGoroutine(); g > goroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the soak, %d before:\n%s", g, goroutines, buf[:runtime.Stack(buf, true)])
	}
	if n := countFDs(t); n > fds {
		t.Errorf("%d open file descriptors after the soak, %d before", n, fds)
	}
}

func countFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestSoakConcurrent runs testdata/soak_concurrent.lua in this process:
// thousands of jobs at once, each ending as its kind says, exactly once; the
// test checks that goroutines and file descriptors are back to where they
// started.
func TestSoakConcurrent(t *testing.T) {
	src, err := os.ReadFile("testdata/soak_concurrent.lua")
	if err != nil {
		t.Fatal(err)
	}
	launcher := local.New()
	runtime.GC()
	goroutines, fds := runtime.NumGoroutine(), countFDs(t)
	var stdout, stderr bytes.Buffer
	loop, err := pool.NewLoop(launcher)
	if err != nil {
		t.Fatal(err)
	}
	s := luaapi.New(loop, luaapi.Options{Stdout: &stdout, Stderr: &stderr, Executable: "expool"})
	code := s.Run("soak_concurrent.lua", src, []string{strconv.Itoa(*soakConcurrent), strconv.Itoa(*soakWaves)})
	s.Close()
	loop.Close()
	launcher.Close()
	out := stdout.String()
	t.Logf("%d at once, %d waves: %s", *soakConcurrent, *soakWaves, strings.TrimSpace(out))
	checkSoak(t, code, out, stderr.String(), goroutines, fds)
}
