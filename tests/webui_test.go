package tests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"expool/internal/testproc"
	"expool/pool/local"
)

// expoolWithWebUI runs expool --webui 0 with args in dir, and returns it
// once it has said where its web view is, with that address.
func expoolWithWebUI(t *testing.T, dir string, args ...string) (cmd *exec.Cmd, url string, stderr *bytes.Buffer) {
	t.Helper()
	cmd = exec.Command("expool", append([]string{"--webui", "0"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	stderr = &bytes.Buffer{}
	rd := bufio.NewReader(pipe)
	for url == "" {
		line, err := rd.ReadString('\n')
		stderr.WriteString(line)
		if err != nil {
			t.Fatalf("expool did not say where its web view is: %v\n%s", err, stderr)
		}
		if u, ok := strings.CutPrefix(strings.TrimSpace(line), "expool: web UI at "); ok {
			url = u
		}
	}
	go io.Copy(stderr, rd)
	return cmd, url, stderr
}

// summaries reads the view's event stream and returns the first summary
// for which ok is true.
func waitSummary(t *testing.T, url string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"api/events?only=summary", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		data, found := strings.CutPrefix(sc.Text(), "data: ")
		if !found {
			continue
		}
		var s map[string]any
		if err := json.Unmarshal([]byte(data), &s); err != nil {
			t.Fatalf("a summary that is not JSON: %s", data)
		}
		if ok(s) {
			return s
		}
	}
	t.Fatalf("the event stream ended without the summary awaited: %v", sc.Err())
	return nil
}

func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// browser starts a headless chromium, for the test's life.
func browser(t *testing.T, path, dir string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(dir, "chromium")),
		chromedp.WindowSize(1280, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// poll waits until the expression is true in the page.
func poll(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(30*time.Second))
}

// eval evaluates the expression in the page.
func eval[T any](ctx context.Context, t *testing.T, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// textOf is the text of the element of selector ("" if there is none).
func textOf(selector string) string {
	return fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent`, selector)
}

// The page read by real browsers during a run: w3m, with no scripts, shows
// the failures table; in chromium, the page shows a running job, sees it
// finish without being reloaded, its filters select jobs, and it sees the
// run end.
func TestWebUIInBrowsers(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "run.lua"), []byte(`local pool = ExecPool(3)
local t = Task{name="sweep"}
pool:execute(Job{name="long", task=t, args={"testproc", "-alloc", "64", "-pidfile", "long.pid", "waitfile", "go.txt", "1"}, timeout=600})
pool:execute(Job{name="bad", task=t, args={"sh", "-c", "echo 'reading input'; echo 'solver diverged at step 42' >&2; exit 3"},
  stdout=PIPE, stderr=PIPE})
pool:execute(Job{name="hold", args={"testproc", "waitfile", "end.txt", "1"}})
pool:join()
`), 0o666)
	cmd, url, stderr := expoolWithWebUI(t, dir, "run.lua")
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.Contains(url, "token") {
		t.Errorf("the web view of --webui 0 is at %s, want http://127.0.0.1:PORT/, no token", url)
	}
	if err := testproc.WaitLines(filepath.Join(dir, "long.pid"), 1, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	waitSummary(t, url, func(s map[string]any) bool { return s["failures"] == 1.0 && s["running"] == 2.0 })
	// However the subtests end, the run ends.
	defer func() {
		os.WriteFile(filepath.Join(dir, "go.txt"), []byte("go\n"), 0o666)
		os.WriteFile(filepath.Join(dir, "end.txt"), []byte("end\n"), 0o666)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("expool: %v\n%s", err, stderr)
		}
		if _, err := http.Get(url); err == nil {
			t.Errorf("the web view still answers after expool has exited")
		}
	}()
	t.Run("w3m", func(t *testing.T) { readInW3m(t, url) })
	t.Run("chromium", func(t *testing.T) { readInChromium(t, dir, url) })
}

// readInW3m reads the page with w3m, with no scripts: it shows the tables.
func readInW3m(t *testing.T, url string) {
	w3m, err := exec.LookPath("w3m")
	if err != nil {
		t.Skip("no w3m to read the page with scripts off: apt-get install w3m (.ci/run does)")
	}
	out, err := exec.Command(w3m, "-dump", "-cols", "160", url).CombinedOutput()
	if err != nil {
		t.Fatalf("w3m -dump %s: %v\n%s", url, err, out)
	}
	page := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"Failures (1) name status returncode error last lines of output bad failed 3 reading input solver diverged at step 42",
		"Running jobs (2) name task pid running for timeout left memory peak cpus long sweep", "Tasks (1) name in task status numadded numdone numterm started duration sweep running 2 0 1",
		"Jobs (3, 1 to 3)"} {
		if !strings.Contains(page, want) {
			t.Errorf("w3m -dump does not show %q:\n%s", want, out)
		}
	}
}

// readInChromium has chromium follow the run on the page: long finishes
// (go.txt), then the filters, then the run ends (end.txt).
func readInChromium(t *testing.T, dir, url string) {
	path := findBrowser()
	if path == "" {
		t.Skip("no chromium to run the page's script in: apt-get install chromium (.ci/run does)")
	}
	ctx := browser(t, path, dir)
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		poll(textOf("#conn")+`.startsWith("Live")`),
		poll(textOf("#running")+`.includes("long")`),
	)
	if err != nil {
		t.Fatalf("the page does not show the running job: %v", err)
	}
	// long's memory (64 MiB it allocated and touched, and the rest of
	// testproc), its peak, and its pool's, sampled as it runs.
	longRow := `[...document.querySelectorAll("#running tr")].find(r => r.textContent.startsWith("long"))`
	if local.Portable {
		if cells := eval[string](ctx, t, longRow+`.textContent`); !strings.HasSuffix(cells, "---") {
			t.Errorf("the portable launcher samples no memory, yet long's row says %q", cells)
		}
	} else {
		mib := `(c => { const m = /^(\d+) MiB$/.exec(c.textContent); return m ? Number(m[1]) : 0; })`
		err := chromedp.Do(ctx, poll(fmt.Sprintf(`%s(%s.cells[5]) >= 64 && %s(%s.cells[6]) >= 64 && %s.cells[7].textContent === "-" && /memory \d+ MiB\./.test(%s)`,
			mib, longRow, mib, longRow, longRow, textOf("#times"))))
		if err != nil {
			t.Errorf("the page does not show long's memory: %v; its row: %q, the pools: %q", err,
				eval[string](ctx, t, longRow+`.textContent`), eval[string](ctx, t, textOf("#times")))
		}
	}
	eval[int](ctx, t, `window.expoolNotReloaded = 42`)
	// long finishes: the page shows it, without a reload.
	os.WriteFile(filepath.Join(dir, "go.txt"), []byte("go\n"), 0o666)
	if err := chromedp.Do(ctx, poll(`[...document.querySelectorAll("#jobs tr")].some(r => r.textContent.startsWith("longsweepdone0"))`)); err != nil {
		t.Fatalf("the page does not see long finish: %v", err)
	}
	if eval[int](ctx, t, `window.expoolNotReloaded`) != 42 {
		t.Errorf("the page was reloaded")
	}
	if running := eval[string](ctx, t, textOf("#running")); strings.Contains(running, "long") {
		t.Errorf("long finished, and is still among the running jobs: %q", running)
	}

	// The filters, through the form.
	rows := func(table string) string {
		return fmt.Sprintf(`[...document.querySelectorAll("%s tr td:first-child")].map(td => td.textContent).join(" ")`, table)
	}
	// submit fills in the form and submits it, and waits for the page it
	// loads.
	submit := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sub, stop := context.WithCancel(ctx)
		defer stop()
		loaded := chromedp.Events(sub, page.LoadEventFired)
		if err := chromedp.Do(ctx, append(steps, chromedp.Submit(chromedp.CSS(`form.filters`)))...); err != nil {
			t.Fatalf("filtering: %v", err)
		}
		for _, err := range loaded {
			if err != nil {
				t.Fatalf("filtering: %v", err)
			}
			break
		}
	}
	submit(chromedp.SetValue(chromedp.CSS(`input[name=name]`), "ba*"))
	byName, failures := eval[string](ctx, t, rows("#jobs")), eval[string](ctx, t, rows("#failures"))
	if search := eval[string](ctx, t, "location.search"); search != "?status=&task=&name=ba*" && search != "?status=&task=&name=ba%2A" {
		t.Errorf("the form asked for %q", search)
	}
	submit(chromedp.Clear(chromedp.CSS(`input[name=name]`)), chromedp.SetValue(chromedp.CSS(`select[name=status]`), "done"))
	byStatus := eval[string](ctx, t, rows("#jobs"))
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"?task=sweep")); err != nil {
		t.Fatal(err)
	}
	byTask := eval[string](ctx, t, rows("#jobs"))
	for what, c := range map[string][2]string{"name ba*": {byName, "bad"}, "name ba*, failures": {failures, "bad"},
		"status done": {byStatus, "long"}, "task sweep": {byTask, "long bad"}} {
		if c[0] != c[1] {
			t.Errorf("filtered by %s, the page lists %q, want %q", what, c[0], c[1])
		}
	}

	// The run ends: the page says so.
	os.WriteFile(filepath.Join(dir, "end.txt"), []byte("end\n"), 0o666)
	if err := chromedp.Do(ctx, poll(textOf("#conn")+` === "The run is over."`)); err != nil {
		t.Errorf("the page does not see the run end: %v", err)
	}
	// Its last live part, fetched before the port closed: nothing runs.
	if err := chromedp.Do(ctx, poll(`document.getElementById("state").dataset.over === "true"`)); err != nil {
		t.Errorf("the page does not show the run's end: %v", err)
	}
	if running := eval[string](ctx, t, textOf("#running")); running != "None." {
		t.Errorf("after the run, the running jobs: %q", running)
	}
}

// An address that cannot be bound stops expool before any job starts, with
// exit status 2 and a message naming --webui.
func TestWebUIPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "run.lua"), []byte(`ExecPool(1):execute(Job{name="j", args={"testproc", "append", "ran.txt", "x"}})`), 0o666)
	cmd := exec.Command("expool", "--webui", port, "run.lua")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 {
		t.Errorf("expool --webui %s with the port in use: %v, want exit status 2", port, err)
	}
	want := fmt.Sprintf("expool: --webui %s: cannot listen on 127.0.0.1:%s: address already in use\n", port, port)
	if string(out) != want {
		t.Errorf("expool says %q, want %q", out, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "ran.txt")); err == nil {
		t.Errorf("the job ran")
	}
}

// The README's screenshot: the page during a run of scripts/sweep.lua,
// taken by chromium. EXPOOL_WEBUI_SCREENSHOT names the file to write,
// relative to the repository's root:
//
//	EXPOOL_WEBUI_SCREENSHOT=docs/webui.png go test -run TestWebUIScreenshot ./tests
func TestWebUIScreenshot(t *testing.T) {
	out := os.Getenv("EXPOOL_WEBUI_SCREENSHOT")
	if out == "" {
		t.Skip("EXPOOL_WEBUI_SCREENSHOT=docs/webui.png takes the README's screenshot")
	}
	path := findBrowser()
	if path == "" {
		t.Skip("no chromium: apt-get install chromium")
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join("..", out) // from the repository's root
	}
	dir := t.TempDir()
	cmd, url, stderr := expoolWithWebUI(t, "..", "scripts/sweep.lua")
	waitSummary(t, url, func(s map[string]any) bool {
		return s["finished"].(float64) >= 12 && s["failures"].(float64) >= 1 && s["running"].(float64) >= 3
	})
	ctx := browser(t, path, dir)
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1240, 1060),
		chromedp.Navigate(url),
		poll(textOf("#conn")+`.startsWith("Live")`),
	); err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, shot, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("expool: %v\n%s", err, stderr)
	}
}
