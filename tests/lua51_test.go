package tests

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The differential suite: every program in lua51/ runs under Debian's
// lua5.1, the reference interpreter, and under expool; their standard
// output, exit status and standard error must agree.
//
// Standard error is compared whole when both exit 0 (what the program wrote
// there itself). When they fail, only the first line is compared, without
// the interpreter's name ("lua5.1: " or "expool: "): lua5.1 goes on with a
// stack traceback that expool words its own way. A program whose first line
// of error is expool's own by design says so in a comment:
//
//	--! stderr: the line expool writes
//
// Addresses ("table: 0x55d0c8a4f2b0") are replaced by "ADDR" on both sides,
// in standard output and error.
// A program may read its standard input from NAME.stdin beside it. Each runs
// in a directory of its own (they write files), with TZ=UTC.

// lua51Dir holds the programs of the differential suite.
const lua51Dir = "lua51"

// lua51Reference returns the path of lua5.1, or skips the test, saying why,
// where it is not installed.
func lua51Reference(t testing.TB) string {
	path, err := exec.LookPath("lua5.1")
	if err != nil {
		t.Skip("lua5.1, the reference interpreter, is not installed (Debian package lua5.1; .ci/run installs it)")
	}
	return path
}

func TestLua51(t *testing.T) {
	ref := lua51Reference(t)
	programs, err := filepath.Glob(filepath.Join(lua51Dir, "*.lua"))
	if err != nil || len(programs) == 0 {
		t.Fatalf("no programs in %s: %v", lua51Dir, err)
	}
	for _, prog := range programs {
		name := strings.TrimSuffix(filepath.Base(prog), ".lua")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(prog)
			if err != nil {
				t.Fatal(err)
			}
			stdin, err := os.ReadFile(strings.TrimSuffix(prog, ".lua") + ".stdin")
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			want := runLua51(t, filepath.Base(ref), filepath.Base(prog), src, stdin)
			got := runLua51(t, "expool", filepath.Base(prog), src, stdin)
			compareLua51(t, src, want, got)
		})
	}
}

// lua51Run is what one interpreter did with a program.
type lua51Run struct {
	stdout, stderr string
	status         int
}

// runLua51 runs interp on the program src, saved as file in a fresh
// directory, with stdin as its standard input.
func runLua51(t testing.TB, interp, file string, src, stdin []byte) lua51Run {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, file), src, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, interp, file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TZ=UTC")
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	run := lua51Run{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s %s did not finish in 2 minutes; stdout so far:\n%s", interp, file, clip(run.stdout))
	case errors.As(err, &exitErr):
		run.status = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("%s %s: %v", interp, file, err)
	}
	return run
}

var (
	lua51Address   = regexp.MustCompile(`(table|function|thread|userdata): (builtin: )?0x[0-9a-f]+`)
	lua51Directive = regexp.MustCompile(`(?m)^--! stderr: (.*)$`)
)

// compareLua51 reports how expool's run (got) differs from lua5.1's (want).
func compareLua51(t testing.TB, src []byte, want, got lua51Run) {
	t.Helper()
	normal := func(s string) string { return lua51Address.ReplaceAllString(s, "$1: ADDR") }
	if w, g := normal(want.stdout), normal(got.stdout); w != g {
		t.Errorf("stdout differs\n--- lua5.1\n%s\n--- expool\n%s", clip(w), clip(g))
	}
	if want.status != got.status {
		t.Errorf("exit status: lua5.1 %d, expool %d; expool's stderr:\n%s", want.status, got.status, clip(got.stderr))
		return
	}
	if want.status == 0 {
		if normal(want.stderr) != normal(got.stderr) {
			t.Errorf("stderr differs\n--- lua5.1\n%s\n--- expool\n%s", clip(want.stderr), clip(got.stderr))
		}
		return
	}
	wantLine := normal(strings.TrimPrefix(firstLine(want.stderr), "lua5.1: "))
	if m := lua51Directive.FindSubmatch(src); m != nil {
		wantLine = string(m[1])
	}
	if gotLine := normal(strings.TrimPrefix(firstLine(got.stderr), "expool: ")); gotLine != wantLine {
		t.Errorf("first line of the error differs\n--- lua5.1 (or the program's --! stderr:)\n%s\n--- expool\n%s", wantLine, clip(got.stderr))
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// clip shortens what a failing test prints.
func clip(s string) string {
	const max = 4000
	if len(s) > max {
		return s[:max] + "\n[... clipped]"
	}
	return s
}
