package webui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"expool/pool"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeLauncher starts pretend processes that end when the test says: a job
// whose Args are {"fake", key, [stdout]} is a process the test ends with
// end(key, code); it writes stdout when it starts. A job whose Args[0] is
// "missing" cannot start.
type fakeLauncher struct {
	mu      sync.Mutex
	pid     int
	procs   map[string]*fakeProc
	started chan struct{} // a process started
}

type fakeProc struct {
	pid    int
	report func(bytes int64) // the pool's, if it samples memory (Command.OnMemory)
	cpus   []int             // Command.Affinity
	end    chan pool.Exit
	once   sync.Once
	done   chan struct{}
}

func newFakeLauncher() *fakeLauncher {
	return &fakeLauncher{pid: 1000, procs: map[string]*fakeProc{}, started: make(chan struct{}, 1)}
}

func (l *fakeLauncher) Launch(c *pool.Command) (pool.Process, error) {
	if c.Args[0] == "missing" {
		return nil, errors.New(`exec: "missing": executable file not found in $PATH`)
	}
	if len(c.Args) > 2 {
		io.WriteString(c.Stdout, c.Args[2])
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pid++
	p := &fakeProc{pid: l.pid, end: make(chan pool.Exit, 1), done: make(chan struct{}), report: c.OnMemory, cpus: c.Affinity}
	l.procs[c.Args[1]] = p
	select {
	case l.started <- struct{}{}:
	default:
	}
	return p, nil
}

// end ends the process of key with exit status code.
func (l *fakeLauncher) end(t *testing.T, key string, code int) {
	t.Helper()
	l.mu.Lock()
	p := l.procs[key]
	l.mu.Unlock()
	if p == nil {
		t.Fatalf("no process %q started", key)
	}
	p.exit(pool.Exit{Code: code, Rusage: pool.Rusage{Utime: 1500 * time.Microsecond, Stime: 250 * time.Microsecond, MaxRSS: 4321}})
}

// waitStarted waits until the process of key has started.
func (l *fakeLauncher) waitStarted(t *testing.T, key string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		l.mu.Lock()
		p := l.procs[key]
		l.mu.Unlock()
		if p != nil {
			return
		}
		select {
		case <-l.started:
		case <-timeout:
			t.Fatalf("the process %q did not start", key)
		}
	}
}

func (p *fakeProc) exit(e pool.Exit) {
	p.once.Do(func() {
		p.end <- e
		close(p.done)
	})
}

func (p *fakeProc) Pid() int { return p.pid }

func (p *fakeProc) Signal(sig syscall.Signal) error {
	select {
	case <-p.done:
		return os.ErrProcessDone
	default:
	}
	p.exit(pool.Exit{Code: -int(sig)})
	return nil
}

func (p *fakeProc) Wait() (pool.Exit, error) { return <-p.end, nil }

// run is a run of a loop with the web view observing it, served on
// loopback: script executes its jobs on the loop's goroutine (its own), which
// then joins them.
type run struct {
	t    *testing.T
	fl   *fakeLauncher
	view *View
	srv  *Server
	done chan struct{}
}

// memLauncher is a fakeLauncher that samples memory (the test reports each
// sample, with sample) and pins jobs to CPUs: groups of two, 0-1 and 2-3.
type memLauncher struct{ *fakeLauncher }

func (memLauncher) MemoryError() error { return nil }

func (memLauncher) CPUGroups(n int) ([][]int, error) { return [][]int{{0, 1}, {2, 3}}, nil }

// sample reports a sample of b bytes of the process of key, as the local
// launcher's sampler would, from the caller's goroutine.
func (l memLauncher) sample(t *testing.T, key string, b int64) {
	t.Helper()
	l.mu.Lock()
	p := l.procs[key]
	l.mu.Unlock()
	if p == nil || p.report == nil {
		t.Fatalf("no process %q started, or it is not sampled", key)
	}
	p.report(b)
}

func startRun(t *testing.T, addr string, script func(l *pool.Loop, p *pool.Pool)) *run {
	t.Helper()
	fl := newFakeLauncher()
	return startRunOf(t, addr, fl, fl, pool.Config{Name: "test", Workers: 2, KillGrace: time.Second, PipeLimit: pool.DefaultPipeLimit}, script)
}

// startRunOf is startRun with a pool of config c, whose processes launcher
// starts (fl, or a launcher around it).
func startRunOf(t *testing.T, addr string, fl *fakeLauncher, launcher pool.Launcher, c pool.Config, script func(l *pool.Loop, p *pool.Pool)) *run {
	t.Helper()
	r := &run{t: t, fl: fl, done: make(chan struct{})}
	r.view = NewView("test.lua")
	srv, err := Listen(addr, r.view)
	if err != nil {
		r.view.Close()
		t.Fatal(err)
	}
	r.srv = srv
	loop, err := pool.NewLoop(launcher)
	if err != nil {
		t.Fatal(err)
	}
	loop.Observers = []pool.Observer{r.view}
	p, err := loop.NewPool(c)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(r.done)
		script(loop, p)
		if _, err := p.Join(context.Background(), 0); err != nil {
			t.Error(err)
		}
		loop.Shutdown(context.Background(), "the test ended")
		loop.Close()
	}()
	t.Cleanup(func() {
		r.wait()
		r.srv.Close()
	})
	return r
}

// wait waits for the run's end.
func (r *run) wait() {
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		r.t.Fatal("the run did not end")
	}
}

// waitFor waits until a published snapshot satisfies cond, and returns it.
func (r *run) waitFor(what string, cond func(*Snapshot) bool) *Snapshot {
	r.t.Helper()
	return waitView(r.t, r.view, what, cond)
}

func waitView(t testing.TB, v *View, what string, cond func(*Snapshot) bool) *Snapshot {
	t.Helper()
	ch, stop := v.subscribe()
	defer stop()
	timeout := time.After(20 * time.Second)
	for {
		if s := v.Snapshot(); cond(s) {
			return s
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("the view never showed %s", what)
		}
	}
}

// job is a job of the fake launcher, key its name.
func job(name string, more ...string) *pool.Job {
	return &pool.Job{Name: name, Args: append([]string{"fake", name}, more...), MaxRestarts: -1}
}

// get fetches path from the server; it returns the status and the body.
func (r *run) get(path string) (int, string) {
	r.t.Helper()
	return get(r.t, r.srv.URL(), path, nil)
}

func get(t *testing.T, base, path string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", strings.TrimSuffix(base, "/")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// getJSON fetches path, wants 200 and decodes the JSON into v.
func (r *run) getJSON(path string, v any) {
	r.t.Helper()
	code, body := r.get(path)
	if code != 200 {
		r.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		r.t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

// jobsNamed returns the names of the jobs of a /api/jobs answer.
func names(jobs []map[string]any) string {
	var n []string
	for _, j := range jobs {
		n = append(n, fmt.Sprint(j["name"]))
	}
	return strings.Join(n, " ")
}
