package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// runExpool runs expool on a script in a new directory and returns the
// directory, its stdout and its peak resident set size in KiB.
func runExpool(t *testing.T, script string, args ...string) (dir string, stdout []byte, maxrss int64) {
	t.Helper()
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "script.lua"), []byte(script), 0o666); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("expool", append([]string{"script.lua"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	var out, errout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errout
	if err := cmd.Run(); err != nil {
		t.Fatalf("expool: %v\n%s", err, errout.String())
	}
	return dir, out.Bytes(), cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
}

// Bytes a job wrote to its output file before it was killed are all there.
func TestKilledJobKeepsItsOutput(t *testing.T) {
	const size = 8 << 20
	dir, out, _ := runExpool(t, fmt.Sprintf(`
local pool = ExecPool(1)
local j = Job{name="writer", args={"testproc", "print", "%d", "300"}, stdout="out/data", timeout=2}
pool:execute(j)
pool:join()
print(j.status, j.returncode)
`, size))
	if string(out) != "timeout\t-15\n" {
		t.Errorf("job ended %q, want a timeout", out)
	}
	fi, err := os.Stat(filepath.Join(dir, "out", "data"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != size {
		t.Errorf("the output file has %d bytes, want %d", fi.Size(), size)
	}
}

// A job writing 1 GiB to a PIPE never blocks, and expool's memory stays near
// pipelimit: it keeps the first pipelimit bytes and discards the rest.
func TestFloodingPipe(t *testing.T) {
	const (
		flood = 1 << 30
		limit = 1 << 20
	)
	note := fmt.Sprintf("[expool: %d more bytes discarded: pipelimit is %d bytes]\n", flood-limit, limit)
	// The kept bytes and the note, checked in Lua.
	_, out, _ := runExpool(t, fmt.Sprintf(`
local pool = ExecPool{workers=1, pipelimit=%d}
local j = Job{name="flood", args={"testproc", "print", "%d"}, stdout=PIPE}
pool:execute(j)
pool:join()
local x = string.rep(string.rep("x", 63) .. "\n", %d / 64)
print(j.status, j.output == x .. %q)
`, limit, flood, limit, note))
	if string(out) != "done\ttrue\n" {
		t.Errorf("got %q, want the first %d bytes and the note %q", out, limit, note)
	}

	// Memory: the script does not touch the output, which Lua would copy.
	script := fmt.Sprintf(`
local pool = ExecPool{workers=1, pipelimit=%d}
local j = Job{name="flood", args={"testproc", "print", arg[1]}, stdout=PIPE}
pool:execute(j)
pool:join()
print(j.status)
`, limit)
	_, _, base := runExpool(t, script, "0")
	_, out, rss := runExpool(t, script, fmt.Sprint(flood))
	if string(out) != "done\n" {
		t.Errorf("the 1 GiB job ended %q", out)
	}
	t.Logf("peak RSS: %d KiB for no output, %d KiB for 1 GiB through a 1 MiB pipelimit", base, rss)
	bound := int64(8 * limit)
	if raceEnabled {
		bound *= 4 // the race detector's shadow memory
	}
	if grew := (rss - base) << 10; grew > bound {
		t.Errorf("expool's peak RSS grew by %d bytes for a pipelimit of %d (bound %d)", grew, limit, bound)
	}
}
