//go:build !expool_portable

package local

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"expool/pool"
)

// bothWays runs f with the spawner, then with jobs forked directly, as where
// the spawner cannot run.
func bothWays(t *testing.T, f func(t *testing.T)) {
	t.Run("spawner", f)
	t.Run("direct", func(t *testing.T) {
		setSpawnerOff(true)
		defer setSpawnerOff(false)
		f(t)
	})
}

func setSpawnerOff(off bool) {
	spawnMu.Lock()
	spawnerOff = off
	if off {
		theSpawner.stop()
	}
	spawnMu.Unlock()
}

// run launches args with l and returns what it wrote on stdout and how it
// ended.
func run(t *testing.T, l *Launcher, dir string, args ...string) (pool.Process, string, pool.Exit, error) {
	t.Helper()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, err := l.Launch(&pool.Command{Args: args, Dir: dir, Env: os.Environ(), Stdin: devnull, Stdout: w, Stderr: w})
	w.Close()
	if err != nil {
		return nil, "", pool.Exit{}, err
	}
	out, _ := io.ReadAll(r)
	e, err := p.Wait()
	return p, string(out), e, err
}

// spawn is spawnAsync that waits for the process to have started, or not.
func spawn(spec *spawnSpec) (*child, time.Time, error) {
	type result struct {
		c       *child
		started time.Time
		err     error
	}
	res := make(chan result, 1)
	err := spawnAsync(spec, func(c *child, started time.Time, err error) { res <- result{c, started, err} })
	if err != nil {
		return nil, time.Time{}, err
	}
	got := <-res
	return got.c, got.started, got.err
}

// newPoolWith is a pool of workers on a loop of a new launcher, all closed
// when the test ends.
func newPoolWith(t *testing.T, workers int) *pool.Pool {
	loop, err := pool.NewLoop(newLauncher(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { loop.Close() })
	p, err := loop.NewPool(pool.Config{Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newLauncher(t *testing.T) *Launcher {
	l := New()
	t.Cleanup(func() { l.Close() })
	return l
}

// The process is the job's own (its pid is the one Launch reports, and leads
// its group), in the working directory asked for; it starts before Launch
// returns and ends before Wait does.
func TestSpawnedProcess(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		l := newLauncher(t)
		dir := t.TempDir()
		before := time.Now()
		// cat, exec'd by sh, is the job's process: its stat is the job's.
		p, out, e, err := run(t, l, dir, "sh", "-c", "pwd && exec cat /proc/self/stat")
		if err != nil {
			t.Fatal(err)
		}
		after := time.Now()
		lines := strings.SplitN(out, "\n", 2)
		if lines[0] != dir || e.Code != 0 {
			t.Errorf("the job printed %q and exited %d, want to be in %q and exit 0", out, e.Code, dir)
		}
		// pid (comm) state ppid pgrp ...
		stat := strings.Fields(lines[1][strings.LastIndexByte(lines[1], ')')+1:])
		if f := strings.Fields(lines[1]); len(f) == 0 || f[0] != strconv.Itoa(p.Pid()) || len(stat) < 3 || stat[2] != strconv.Itoa(p.Pid()) {
			t.Errorf("the process's stat is %q; Launch said %d, its group's leader", lines[1], p.Pid())
		}
		start := p.(pool.TimedProcess).StartTime()
		if start.Before(before) || !e.Stop.After(start) || e.Stop.After(after) {
			t.Errorf("started at %v, stopped at %v: not within %v and %v", start, e.Stop, before, after)
		}
	})
}

// What cannot start says why, and leaves no process behind.
func TestSpawnErrors(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("not a program"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		dir  string
		want string
	}{
		{[]string{filepath.Join(dir, "absent")}, "", "fork/exec " + filepath.Join(dir, "absent") + ": no such file or directory"},
		{[]string{plain}, "", "fork/exec " + plain + ": permission denied"},
		{[]string{dir}, "", "fork/exec " + dir + ": permission denied"},
		{[]string{"no-such-program-of-expool"}, "", `exec: "no-such-program-of-expool": executable file not found in $PATH`},
		{[]string{"true"}, filepath.Join(dir, "absent"), "workdir: stat " + filepath.Join(dir, "absent") + ": no such file or directory"},
		{[]string{"true"}, plain, "workdir " + plain + ": not a directory"},
	}
	bothWays(t, func(t *testing.T) {
		l := newLauncher(t)
		for _, c := range cases {
			_, _, _, err := run(t, l, c.dir, c.args...)
			if err == nil || err.Error() != c.want {
				t.Errorf("%q in %q: %v, want %s", c.args, c.dir, err, c.want)
			}
		}
		if pids := children(reaperThread().tid); len(pids) > 1 { // the spawner
			t.Errorf("the reaper's thread has children left: %v", pids)
		}
	})
	// A workdir that goes between Launch's check and the start: the
	// spawner tells.
	t.Run("chdir", func(t *testing.T) {
		devnull, _ := os.Open(os.DevNull)
		defer devnull.Close()
		_, _, err := spawn(&spawnSpec{path: "/bin/true", argv: []string{"true"}, dir: filepath.Join(dir, "absent"),
			files: [3]*os.File{devnull, devnull, devnull}})
		var se *spawnError
		if !errors.As(err, &se) || se.step != stepChdir || !errors.Is(err, syscall.ENOENT) {
			t.Errorf("chdir to a missing directory: %v", err)
		}
	})
}

// A program that passes the checks before the start but cannot be exec'd (a
// file of no format the kernel runs) ends its job "error", with no attempt,
// as a failed Launch does: the spawner's reply tells, after Launch returned.
func TestExecFailsAfterLaunch(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte("\x00\x01\x02 no format"), 0o755); err != nil {
		t.Fatal(err)
	}
	bothWays(t, func(t *testing.T) {
		p := newPoolWith(t, 2)
		j := &pool.Job{Name: "bad", Args: []string{bad}, MaxRestarts: -1}
		ok := &pool.Job{Name: "ok", Args: []string{"true"}, MaxRestarts: -1}
		for _, x := range []*pool.Job{j, ok} {
			if err := p.Execute(x); err != nil {
				t.Fatal(err)
			}
		}
		if done, err := p.Join(t.Context(), 0); !done || err != nil {
			t.Fatal(done, err)
		}
		if want := "fork/exec " + bad + ": exec format error"; j.Status != pool.StatusError || j.Last != nil || j.Error != want {
			t.Errorf("bad: %s, attempt %v, error %q; want error, no attempt, %q", j.Status, j.Last, j.Error, want)
		}
		if ok.Status != pool.StatusDone {
			t.Errorf("ok: %s %s", ok.Status, ok.Error)
		}
		if pids := children(reaperThread().tid); len(pids) > 1 { // the spawner
			t.Errorf("the reaper's thread has children left: %v", pids)
		}
	})
}

// Processes that end before their start has returned are waited for all the
// same (the reaper sees them exit before it knows their pid).
func TestJobsThatExitAtOnce(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		p := newPoolWith(t, 4)
		jobs := make([]*pool.Job, 300)
		for i := range jobs {
			jobs[i] = &pool.Job{Name: "true", Args: []string{"true"}, MaxRestarts: -1}
			if err := p.Execute(jobs[i]); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := p.Join(t.Context(), 0); !ok || err != nil {
			t.Fatal(ok, err)
		}
		for _, j := range jobs {
			if j.Status != pool.StatusDone {
				t.Fatalf("a true job ended %s: %s", j.Status, j.Error)
			}
		}
	})
}

// A spawner killed by someone is started again.
func TestSpawnerRestarts(t *testing.T) {
	l := newLauncher(t)
	if _, _, _, err := run(t, l, "", "true"); err != nil {
		t.Fatal(err)
	}
	spawnMu.Lock()
	var proc *child
	if theSpawner.conn != nil {
		proc = theSpawner.conn.proc
	}
	spawnMu.Unlock()
	if proc == nil {
		t.Skipf("no spawner: %v", spawnerFailed)
	}
	unix.Kill(proc.pid, unix.SIGKILL)
	<-proc.done
	if _, out, _, err := run(t, l, "", "echo", "again"); err != nil || out != "again\n" {
		t.Fatalf("after the spawner was killed: %q, %v", out, err)
	}
}

// A CPU mask is the process's.
func TestSpawnAffinity(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		devnull, _ := os.Open(os.DevNull)
		defer devnull.Close()
		var cpus unix.CPUSet
		cpus.Set(0)
		c, _, err := spawn(&spawnSpec{path: "/bin/grep", argv: []string{"grep", "Cpus_allowed_list", "/proc/self/status"},
			files: [3]*os.File{devnull, w, w}, cpus: &cpus})
		w.Close()
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(r)
		<-c.done
		if f := strings.Fields(string(out)); len(f) != 2 || f[1] != "0" {
			t.Errorf("the process says %q, want its CPUs to be 0", out)
		}
	})
}

// The embedded spawners are what spawner/make.sh builds from spawner.c.
func TestSpawnerIsBuiltFromItsSource(t *testing.T) {
	for _, cc := range []string{"gcc", "aarch64-linux-gnu-gcc"} {
		if _, err := exec.LookPath(cc); err != nil {
			t.Skipf("%s is missing (Debian: gcc, gcc-aarch64-linux-gnu)", cc)
		}
	}
	out := t.TempDir()
	cmd := exec.Command("sh", "spawner/make.sh")
	cmd.Env = append(os.Environ(), "OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make.sh: %v\n%s", err, b)
	}
	built, _ := os.ReadFile(filepath.Join(out, "compilers"))
	if have, _ := os.ReadFile(filepath.Join("spawner", "compilers")); !bytes.Equal(built, have) {
		t.Skipf("the spawner was built with\n%s; these compilers are\n%s", have, built)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		name := "spawner_" + arch + ".elf"
		built, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		have, err := os.ReadFile(filepath.Join("spawner", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(built, have) {
			t.Errorf("spawner/%s is not what spawner/make.sh builds from spawner.c (%d bytes, built %d): run it", name, len(have), len(built))
		}
	}
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" {
		want, _ := os.ReadFile(filepath.Join("spawner", "spawner_"+runtime.GOARCH+".elf"))
		if !bytes.Equal(spawnerELF, want) {
			t.Error("the embedded spawner is not spawner/spawner_" + runtime.GOARCH + ".elf")
		}
	}
}

// dedupEnv keeps the last of each name, in order.
func TestDedupEnv(t *testing.T) {
	got := dedupEnv([]string{"A=1", "B=2", "odd", "A=3", "=x", "B=2"})
	if want := []string{"odd", "A=3", "=x", "B=2"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want %q", got, want)
	}
}
