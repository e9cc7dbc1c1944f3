package tests

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// progressScript runs 13 jobs on 2 workers; the first ones wait for the file
// "go", which the test writes once it has seen what it waits for.
const progressScript = `local pool = ExecPool(2)
for i = 1, 12 do pool:execute(Job{name="j" .. i, args={"testproc", "waitfile", "go", "1"}}) end
pool:execute(Job{name="bad", args={"testproc", "exit", "2"}})
pool:join()
`

// runOnTerminal runs expool on progressScript with its stderr on a
// pseudo-terminal, lets its jobs end once the terminal has shown the progress
// line redraws times, and returns what the terminal showed.
func runOnTerminal(t *testing.T, redraws int, args ...string) string {
	return runScriptOnTerminal(t, progressScript, false, redraws, args...)
}

// runScriptOnTerminal runs expool on a script with its stderr, and its stdout
// too if both, on a pseudo-terminal, and returns what the terminal showed.
// It writes the file "go" once the terminal has shown the progress line
// redraws times (at once if 0).
func runScriptOnTerminal(t *testing.T, script string, both bool, redraws int, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.lua"), []byte(script), 0o666)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	cmd := exec.Command("expool", append(args, "p.lua")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	cmd.Stderr = tty
	if both {
		cmd.Stdout = tty
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	release := func() {
		if err := os.WriteFile(filepath.Join(dir, "go"), []byte("go\n"), 0o666); err != nil {
			t.Error(err)
		}
	}
	if redraws == 0 {
		release()
	}
	// The terminal is read as expool writes it (until EIO, once it has
	// exited); the jobs are released at the redraws-th progress line.
	var shown bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := ptmx.Read(buf)
		before := bytes.Count(shown.Bytes(), []byte("pending"))
		shown.Write(buf[:n])
		if after := bytes.Count(shown.Bytes(), []byte("pending")); before < redraws && after >= redraws {
			release()
		}
		if err != nil {
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("expool: %v\n%s", err, shown.String())
	}
	return shown.String()
}

// On a terminal, a live progress line, redrawn while the jobs run, then the
// summary.
func TestProgressOnTerminal(t *testing.T) {
	shown := runOnTerminal(t, 3)
	for _, want := range []string{"running", "pending", "/13)", "12 done, 1 failed", "expool: 13 jobs in", "failures:", "bad\tfailed\treturncode 2"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the terminal does not show %q:\n%q", want, shown)
		}
	}
	if shown := runOnTerminal(t, 0, "--no-progress"); strings.Contains(shown, "pending") || strings.Contains(shown, "jobs in") {
		t.Errorf("--no-progress on a terminal shows:\n%q", shown)
	}
}

// While the progress line is drawn, the output of the jobs (inherited stdout
// and stderr) and of the script (print, io.write) shows line by line above
// it, each line whole, and the line is drawn again below: the terminal keeps
// no stale copy of it. A job's last line without a newline gets one.
func TestProgressKeepsOutputLinesWhole(t *testing.T) {
	shown := runScriptOnTerminal(t, `local pool = ExecPool(3)
for i = 1, 12 do
  pool:execute(Job{name="out" .. i, args={"testproc", "lines", "stdout", "3", "0.03", "stdout of job " .. i}})
  pool:execute(Job{name="err" .. i, args={"testproc", "lines", "stderr", "2", "0.05", "stderr of job " .. i},
    onfinish=function(j)
      print("print from", j.name)
      io.write("io.write ", "from ", j.name, "\n")
      io.stderr:write("io.stderr from " .. j.name .. "\n")
    end})
end
pool:execute(Job{name="partial", args={"testproc", "print", "10"}})
pool:join()
io.write("the end, no newline")
`, true, 0)
	lines, unknown := emulate(shown)
	if len(unknown) > 0 {
		t.Errorf("escape sequences the test does not know: %q", unknown)
	}
	want := map[string]int{"xxxxxxxxxx": 1, "the end, no newline": 1}
	for i := 1; i <= 12; i++ {
		for k := 1; k <= 3; k++ {
			want[fmt.Sprintf("stdout of job %d %d", i, k)] = 1
		}
		for k := 1; k <= 2; k++ {
			want[fmt.Sprintf("stderr of job %d %d", i, k)] = 1
		}
		want[fmt.Sprintf("print from\terr%d", i)] = 1
		want[fmt.Sprintf("io.write from err%d", i)] = 1
		want[fmt.Sprintf("io.stderr from err%d", i)] = 1
	}
	got := map[string]int{}
	bars := 0
	for _, line := range lines {
		got[line]++
		if strings.Contains(line, "elapsed") {
			bars++
		}
	}
	for line, n := range want {
		if got[line] != n {
			t.Errorf("the line %q shows %d times as a whole line, want %d", line, got[line], n)
		}
	}
	if bars != 1 {
		t.Errorf("%d progress lines on the screen, want the last one only", bars)
	}
	if t.Failed() {
		t.Logf("the screen:\n%s", strings.Join(lines, "\n"))
	}
}

// emulate plays what a terminal received and returns its lines, as many as
// there are, and the escape sequences it does not know. It knows carriage
// return, newline (the terminal's own, with ONLCR, comes as CR LF), and the
// erasing of a line (CSI K, 0K, 1K, 2K).
func emulate(received string) (lines []string, unknown []string) {
	screen := [][]rune{{}}
	row, col := 0, 0
	rs := []rune(received)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\r':
			col = 0
		case r == '\n':
			row++
			if row == len(screen) {
				screen = append(screen, []rune{})
			}
		case r == 0x1b && i+1 < len(rs) && rs[i+1] == '[':
			j := i + 2
			for j < len(rs) && (rs[j] >= '0' && rs[j] <= '9' || rs[j] == ';' || rs[j] == '?') {
				j++
			}
			if j == len(rs) {
				unknown = append(unknown, string(rs[i:]))
				i = j
				continue
			}
			seq, param := string(rs[i:j+1]), string(rs[i+2:j])
			line := screen[row]
			switch {
			case rs[j] == 'K' && (param == "" || param == "0"):
				screen[row] = line[:min(col, len(line))]
			case rs[j] == 'K' && param == "1":
				for k := 0; k < min(col+1, len(line)); k++ {
					line[k] = ' '
				}
			case rs[j] == 'K' && param == "2":
				screen[row] = line[:0]
			default:
				unknown = append(unknown, seq)
			}
			i = j
		case r < ' ' && r != '\t':
			unknown = append(unknown, string(r))
		default:
			line := screen[row]
			for len(line) <= col {
				line = append(line, ' ')
			}
			line[col] = r
			screen[row] = line
			col++
		}
	}
	for _, l := range screen {
		lines = append(lines, strings.TrimRight(string(l), " "))
	}
	return lines, unknown
}

// Off a terminal, nothing is drawn unless --progress says so.
func TestProgressOffTerminal(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.lua"), []byte(progressScript), 0o666)
	os.WriteFile(filepath.Join(dir, "go"), []byte("go\n"), 0o666) // nothing to wait for
	for _, c := range []struct {
		args  []string
		drawn bool
	}{{nil, false}, {[]string{"--progress"}, true}} {
		cmd := exec.Command("expool", append(c.args, "p.lua")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		if drawn := strings.Contains(stderr.String(), "pending"); drawn != c.drawn {
			t.Errorf("expool %v with stderr on a pipe: progress drawn %v, want %v:\n%q", c.args, drawn, c.drawn, stderr.String())
		}
	}
}

// The timeline is one self-contained page; a real browser draws it.
func TestTimeline(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "t.lua"), []byte(`local pool = ExecPool{workers=3, killgrace=0.1}
for i = 1, 9 do pool:execute(Job{name="ok" .. i, args={"testproc", "sleep", "0.1"}}) end
pool:execute(Job{name="bad", args={"testproc", "exit", "1"}})
pool:execute(Job{name="slow", args={"testproc", "sleep", "30"}, timeout=0.3, ontimeout=true, maxrestarts=1})
pool:execute(Job{name="missing", args={"no-such-program-of-expool"}})
pool:join()
local one = ExecPool{workers=1, name="one", killgrace=0.1}
one:execute(Job{name="long", args={"testproc", "sleep", "30"}})
one:execute(Job{name="never", args={"testproc", "exit", "0"}})
one:terminate()
`), 0o666)
	cmd := exec.Command("expool", "--timeline", "run.html", "t.lua")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("expool: %v\n%s", err, out)
	}
	page, err := os.ReadFile(filepath.Join(dir, "run.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	// 13 attempts, with their names and statuses on hover; every job counted
	// by status; the jobs that never ran listed under the chart.
	if n := strings.Count(html, `<rect class="bar"`); n != 13 {
		t.Errorf("%d bars, want 13 (9 done, 1 failed, 2 timeouts, 1 terminated)", n)
	}
	for _, want := range []string{"<title>bad, attempt 1: failed in", "<title>slow, attempt 2: timeout in", "returncode -15 (signal 15)", "ExecPool, slot 3",
		"done (9)", "failed (1)", "timeout (1 job, 2 bars)", "terminated (1)", "cancelled (1, listed below)", "error (1, listed below)",
		"<td>missing</td><td>ExecPool</td><td>-</td><td>error</td><td>exec: &#34;no-such-program-of-expool&#34;: executable file not found in $PATH</td>",
		"<td>never</td><td>one</td><td>-</td><td>cancelled</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Self-contained: nothing to fetch.
	for _, bad := range []string{"<script", "<link", "src=", "href=", "url(", "@import"} {
		if strings.Contains(html, bad) {
			t.Errorf("the page has %q: it should fetch nothing", bad)
		}
	}

	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			browser = path
			break
		}
	}
	if browser == "" {
		t.Skip("no chromium to render the timeline in: apt-get install chromium (.ci/run does)")
	}
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	chrome := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1220,400", "--screenshot="+shot,
		"file://"+filepath.Join(dir, "run.html"))
	if out, err := chrome.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// Not blank: a good part of the picture is drawn, in the statuses' colours.
	colours := map[string]color.RGBA{"done": {0x43, 0xa0, 0x47, 0xff}, "failed": {0xe5, 0x39, 0x35, 0xff}, "timeout": {0xfb, 0x8c, 0x00, 0xff}}
	found := map[string]int{}
	drawn := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 < 0xf0 || g>>8 < 0xf0 || b>>8 < 0xf0 {
				drawn++
			}
			for name, c := range colours {
				if near(img, x, y, c) {
					found[name]++
				}
			}
		}
	}
	total := bounds.Dx() * bounds.Dy()
	t.Logf("%s drew %d of %d pixels; by status colour: %v", filepath.Base(browser), drawn, total, found)
	if drawn < total/50 {
		t.Errorf("the screenshot is blank: %d of %d pixels drawn", drawn, total)
	}
	for name := range colours {
		if found[name] < 100 {
			t.Errorf("few or no %s bars in the screenshot: %d pixels", name, found[name])
		}
	}
}

func near(img image.Image, x, y int, c color.RGBA) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	d := func(a uint32, b uint8) int { return max(int(a>>8)-int(b), int(b)-int(a>>8)) }
	return d(r, c.R) < 12 && d(g, c.G) < 12 && d(b, c.B) < 12
}
