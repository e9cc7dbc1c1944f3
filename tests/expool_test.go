// Package tests holds expool's end-to-end tests: each testdata/*.txtar is a
// testscript that runs the expool program (this test binary, registered as a
// command) on a Lua script, with testproc as the jobs' child process.
package tests

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"expool/cli"
	"expool/internal/slurmtest"
	"expool/internal/testproc"
	"expool/pool/local"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"expool":   func() { os.Exit(expool(os.Args[1:])) },
		"testproc": testproc.Main,
	})
}

// launcherEnv, set to "slurm", makes the expool command of the testscripts
// run the pools that name no launcher on Slurm.
const launcherEnv = "EXPOOL_TEST_LAUNCHER"

// expool runs expool; on Slurm when launcherEnv says so, and then it fails
// (status 99) if Slurm's queue still showed jobs of the run at the end.
func expool(args []string) int {
	if os.Getenv(launcherEnv) != "slurm" || len(args) > 0 && strings.HasSuffix(args[0], "-watchdog") {
		return cli.Main(args, os.Stdin, os.Stdout, os.Stderr)
	}
	stderr := &leftoverWatch{w: os.Stderr}
	code := cli.Main(append([]string{"--launcher", "slurm"}, args...), os.Stdin, os.Stdout, stderr)
	if stderr.saw {
		return 99
	}
	return code
}

// leftoverWatch passes expool's messages on, and notes the one that says
// that jobs of the run are still in squeue.
type leftoverWatch struct {
	w   io.Writer
	saw bool
}

func (l *leftoverWatch) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte("still in squeue")) {
		l.saw = true
	}
	return l.w.Write(b)
}

func TestScripts(t *testing.T) {
	runScripts(t, "local", nil)
}

func runScripts(t *testing.T, launcher string, files []string) {
	scripts, err := filepath.Abs("../scripts")
	if err != nil {
		t.Fatal(err)
	}
	dir := "testdata"
	if files != nil {
		dir = ""
	}
	testscript.Run(t, testscript.Params{
		Dir:                 dir,
		Files:               files,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SCRIPTS", scripts)
			env.Setenv(launcherEnv, launcher)
			env.Setenv("NOSLURMPATH", pathWithout(env.Getenv("PATH"), "srun"))
			// Children of a race-enabled test binary would each sleep 1s at exit.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			return nil
		},
		// [portable]: the portable launcher runs the jobs (see pool/local).
		Condition: func(cond string) (bool, error) {
			if cond == "portable" {
				return local.Portable, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":    cmdStatus,
			"waitfile":  cmdWaitfile,
			"nogroup":   cmdNogroup,
			"dead":      cmdDead,
			"slurmgone": cmdSlurmGone,
		},
	})
}

// cmdStatus runs a program and checks its exit status:
// status N program [args...]
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			ts.Fatalf("status: %v", err)
		}
		got = exitErr.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdWaitfile waits, at most 30s, until a file has at least N lines:
// waitfile FILE [N]
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile FILE [lines]")
	}
	lines := 1
	if len(args) == 2 {
		lines, _ = strconv.Atoi(args[1])
	}
	if err := testproc.WaitLines(ts.MkAbs(args[0]), lines, 30*time.Second); err != nil {
		ts.Fatalf("%v", err)
	}
}

// cmdNogroup checks that no process, zombies included, is left in the
// process groups listed in files of "PID PGID" lines (testproc -pidfile), or,
// with -col N, in column N of tab-separated lines whose job pid is also its
// process group id (lines starting with "#" and "nil" pids are skipped):
// nogroup [-col N] FILE...
func cmdNogroup(ts *testscript.TestScript, neg bool, args []string) {
	col := 0
	if len(args) > 2 && args[0] == "-col" {
		col, _ = strconv.Atoi(args[1])
		args = args[2:]
	}
	if neg || len(args) == 0 {
		ts.Fatalf("usage: nogroup [-col N] PIDFILE...")
	}
	var groups []int
	for _, name := range args {
		if col == 0 {
			_, pgids, err := testproc.ReadPids(ts.MkAbs(name))
			if err != nil {
				ts.Fatalf("%v", err)
			}
			groups = append(groups, pgids...)
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(ts.ReadFile(name)), "\n") {
			f := strings.Split(line, "\t")
			if strings.HasPrefix(line, "#") || len(f) < col || f[col-1] == "nil" {
				continue
			}
			groups = append(groups, atoi(ts, f[col-1]))
		}
	}
	if len(groups) == 0 {
		ts.Fatalf("no process groups in %v", args)
	}
	left := testproc.Left(groups...)
	if ts.Getenv(launcherEnv) == "slurm" {
		left = waitInitReaps(groups)
	}
	if len(left) > 0 {
		ts.Fatalf("processes left in the jobs' process groups:\n%s", strings.Join(left, "\n"))
	}
}

// cmdDead checks that none of the pids in files of "PID PGID" lines
// (testproc -pidfile) is a live process: dead FILE...
func cmdDead(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: dead PIDFILE...")
	}
	for _, name := range args {
		pids, _, err := testproc.ReadPids(ts.MkAbs(name))
		if err != nil {
			ts.Fatalf("%v", err)
		}
		for _, pid := range pids {
			if testproc.Live(pid) {
				ts.Fatalf("process %d is alive", pid)
			}
		}
	}
}

// pathWithout is path without the directories that hold cmd.
func pathWithout(path, cmd string) string {
	var dirs []string
	for _, dir := range filepath.SplitList(path) {
		if _, err := os.Stat(filepath.Join(dir, cmd)); err != nil {
			dirs = append(dirs, dir)
		}
	}
	return strings.Join(dirs, string(filepath.ListSeparator))
}

// cmdSlurmGone waits, at most 30 s, until squeue shows no job or step of
// expool's whose name contains the text in FILE: slurmgone FILE
func cmdSlurmGone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: slurmgone FILE")
	}
	part := strings.TrimSpace(ts.ReadFile(args[0]))
	if part == "" {
		ts.Fatalf("%s is empty", args[0])
	}
	left, err := slurmtest.WaitGone(part, 30*time.Second)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	if len(left) > 0 {
		ts.Fatalf("squeue still shows, after 30 s:\n%s", strings.Join(left, "\n"))
	}
}

func atoi(ts *testscript.TestScript, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		ts.Fatalf("not a pid: %q", s)
	}
	return n
}

// TestEveryExampleIsTested makes sure that every script in scripts/ runs in
// some testscript, so that the examples cannot rot.
func TestEveryExampleIsTested(t *testing.T) {
	examples, _ := filepath.Glob("../scripts/*.lua")
	if len(examples) == 0 {
		t.Fatal("no scripts in ../scripts")
	}
	var all []byte
	cases, _ := filepath.Glob("testdata/*.txtar")
	for _, c := range cases {
		b, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	for _, e := range examples {
		if ref := "$SCRIPTS/" + filepath.Base(e); !bytes.Contains(all, []byte(ref)) {
			t.Errorf("no test in testdata runs %s (as %s)", e, ref)
		}
	}
}

// TestScriptsOnSlurm runs the testscripts that make sense on Slurm with
// --launcher slurm. Left out: those whose timeouts are a few tenths of a
// second, shorter than srun takes to start a task here (the termination
// matrix runs those ways of ending on Slurm, with longer timeouts); those
// that find expool as their job's parent (on Slurm it is slurmstepd) or
// signal it through that; those that look at rusage or at the local
// launcher's error messages; and leftovers.txtar: a process a job leaves
// behind when its main process ends is Slurm's to kill, and
// proctrack/linuxproc, the test cluster's, misses those orphaned.
func TestScriptsOnSlurm(t *testing.T) {
	slurmtest.Skip(t)
	files, _ := filepath.Glob("testdata/slurm/*.txtar") // those of Slurm's own
	for _, name := range slurmScripts {
		files = append(files, "testdata/"+name+".txtar")
	}
	runScripts(t, "slurm", files)
}

var slurmScripts = []string{
	"bad_input", "callback_error", "callbacks", "cli", "env_workdir",
	"example_chain", "example_demo", "example_slurm", "example_sweep",
	"globals", "main_error", "odd_orders", "os_exit", "outputs", "pool",
	"random", "retries", "startdelay", "tasks",
}

// TestREADMEOptions checks that README's table of options lists every option
// of expool --help, as --help names it.
func TestREADMEOptions(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var help bytes.Buffer
	cli.Main([]string{"--help"}, nil, &help, io.Discard)
	for _, line := range strings.Split(help.String(), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "-") {
			continue
		}
		option := strings.TrimSuffix(f[0], ",")
		if len(f) > 1 && strings.ToUpper(f[1]) == f[1] && !strings.HasPrefix(f[1], "-") {
			option += " " + f[1] // its argument
		}
		if !bytes.Contains(readme, []byte("`"+option)) {
			t.Errorf("README's table of options lacks %q", option)
		}
	}
	if bytes.Contains(readme, []byte("FILE.html")) {
		t.Error("README says --timeline writes FILE.html; it writes FILE")
	}
}
