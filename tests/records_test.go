package tests

import (
	"bytes"
	"context"
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

// runOnTerminal runs expool with its stderr on a pseudo-terminal, lets its
// jobs end once the terminal has shown the progress line redraws times, and
// returns what the terminal showed.
func runOnTerminal(t *testing.T, redraws int, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.lua"), []byte(progressScript), 0o666)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	cmd := exec.Command("expool", append(args, "p.lua")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	cmd.Stderr = tty
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
pool:join()
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
	// 12 attempts, with their names and statuses on hover.
	if n := strings.Count(html, `<rect class="bar"`); n != 12 {
		t.Errorf("%d bars, want 12 (9 done, 1 failed, 2 timeouts)", n)
	}
	for _, want := range []string{"<title>bad, attempt 1: failed in", "<title>slow, attempt 2: timeout in", "returncode -15 (signal 15)", "ExecPool, slot 3", "done (9)", "timeout (2)"} {
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
