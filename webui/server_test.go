package webui

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"expool/pool"
)

func TestParseAddr(t *testing.T) {
	for _, c := range []struct {
		spec, host, port string
		loopback         bool
	}{
		{"8080", "127.0.0.1", "8080", true},
		{"0", "127.0.0.1", "0", true},
		{":8080", "", "8080", false},
		{"0.0.0.0:80", "0.0.0.0", "80", false},
		{"127.0.0.1:80", "127.0.0.1", "80", false},
		{"localhost:80", "localhost", "80", false},
		{"[::1]:80", "::1", "80", false},
		{"node12.cluster:65535", "node12.cluster", "65535", false},
	} {
		host, port, loopback, err := ParseAddr(c.spec)
		if err != nil || host != c.host || port != c.port || loopback != c.loopback {
			t.Errorf("ParseAddr(%q) = %q, %q, %v, %v; want %q, %q, %v", c.spec, host, port, loopback, err, c.host, c.port, c.loopback)
		}
	}
	for _, spec := range []string{"", "x", "-1", "65536", "80.5", "host:", "host:x", "a:b:c", "::1", "[::1]", "1e3"} {
		if _, _, _, err := ParseAddr(spec); err == nil || !strings.Contains(err.Error(), "[HOST:]PORT") {
			t.Errorf("ParseAddr(%q): %v, want an error saying [HOST:]PORT", spec, err)
		}
	}
}

// A port in use cannot be bound: Listen says so.
func TestListenPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	v := NewView("x")
	defer v.Close()
	if s, err := Listen(port, v); err == nil || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), "127.0.0.1:"+port) {
		t.Errorf("Listen(%s) with the port in use: %v, want an error naming 127.0.0.1:%s, address already in use", port, err, port)
		if s != nil {
			s.Close()
		}
	}
}

// On any host but the loopback of a bare port, a request needs the token:
// 401 without it, or with another one; the query, a cookie that the query
// sets, or a bearer token carry it. The token is compared in constant time.
func TestToken(t *testing.T) {
	r := startRun(t, "127.0.0.1:0", func(l *pool.Loop, p *pool.Pool) { p.Execute(job("j")) })
	r.fl.waitStarted(t, "j")
	defer r.fl.end(t, "j", 0)
	r.waitFor("j running", func(s *Snapshot) bool { return s.Running() == 1 })
	url := r.srv.URL()
	base, token, ok := strings.Cut(url, "?token=")
	if !ok || len(token) != 32 || r.srv.token != token {
		t.Fatalf("the URL %q does not carry the 32-digit token", url)
	}
	if base != "http://"+r.srv.ln.Addr().String()+"/" {
		t.Errorf("the URL %q is not at the address bound, %s", url, r.srv.ln.Addr())
	}
	other := []byte(token)
	other[31] ^= 1
	flipped := []byte(token)
	flipped[0] ^= 1
	for _, path := range []string{"/", "/api/summary", "/api/jobs", "/api/jobs/j", "/api/tasks", "/api/events", "/nope",
		"/api/summary?token=", "/api/summary?token=" + string(other), "/api/summary?token=" + string(flipped),
		"/api/summary?token=" + token[:31], "/api/summary?token=" + token + "0", "/api/summary?token=" + strings.ToUpper(token)} {
		code, body := get(t, base, path, nil)
		if code != 401 || !strings.Contains(body, "token") {
			t.Errorf("GET %s: %d %q, want 401", path, code, body)
		}
	}
	if code, _ := get(t, base, "/api/summary", http.Header{"Authorization": {"Bearer " + string(other)}}); code != 401 {
		t.Errorf("a wrong bearer token: %d, want 401", code)
	}
	if code, _ := get(t, base, "/api/summary", http.Header{"Cookie": {r.srv.cookie + "=" + string(other)}}); code != 401 {
		t.Errorf("a wrong cookie: %d, want 401", code)
	}
	// A POST without the token is 401 too: nothing is told before the token.
	resp, err := http.Post(base+"api/summary", "text/plain", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("POST without the token: %d, want 401", resp.StatusCode)
	}

	resp, err = http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == r.srv.cookie {
			cookie = c
		}
	}
	if resp.StatusCode != 200 || cookie == nil || cookie.Value != token || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("GET %s: %d, cookie %v; want 200 and an HttpOnly, SameSite=Strict cookie with the token", url, resp.StatusCode, cookie)
	}
	// The page's links and form carry it, for browsers without cookies.
	for _, want := range []string{`<input type="hidden" name="token" value="` + token + `">`, `href="/api/jobs/j?token=` + token + `"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, h := range []http.Header{{"Cookie": {cookie.String()}}, {"Authorization": {"Bearer " + token}}} {
		if code, body := get(t, base, "/api/summary", h); code != 200 {
			t.Errorf("GET /api/summary with %v: %d %q", h, code, body)
		}
	}
	if code, _ := get(t, base, "/nope", http.Header{"Cookie": {cookie.String()}}); code != 404 {
		t.Errorf("GET /nope with the token: %d, want 404", code)
	}
}

// The token's comparison takes as long whether a guess shares a prefix with
// it or not: its SHA-256 digest is compared, with crypto/subtle. This
// measures the comparison alone, many times, and allows a wide margin.
func TestTokenComparedInConstantTime(t *testing.T) {
	s := &Server{token: strings.Repeat("ab", 16)}
	s.digest = sha256.Sum256([]byte(s.token))
	near := strings.Repeat("ab", 15) + "ac" // all but the last byte right
	far := strings.Repeat("zz", 16)
	if s.tokenOK(near) || s.tokenOK(far) || !s.tokenOK(s.token) {
		t.Fatal("tokenOK is wrong")
	}
	// The best of many short rounds, the two guesses taking turns, so that
	// both see the same load.
	n, f := time.Duration(1<<62), time.Duration(1<<62)
	for range 60 {
		for _, g := range []struct {
			guess string
			best  *time.Duration
		}{{near, &n}, {far, &f}} {
			start := time.Now()
			for range 300 {
				s.tokenOK(g.guess)
			}
			*g.best = min(*g.best, time.Since(start))
		}
	}
	if ratio := float64(n) / float64(f); ratio > 1.5 || ratio < 1/1.5 {
		t.Errorf("a guess right but for its last byte takes %v, one all wrong %v: not constant time", n, f)
	}
}

// On the loopback of a bare port, no token: but the request must name a
// loopback host, so that a site that rebinds its name to 127.0.0.1 cannot
// read the view.
func TestLoopbackHost(t *testing.T) {
	r := startRun(t, "0", func(l *pool.Loop, p *pool.Pool) {})
	if strings.Contains(r.srv.URL(), "token") || !strings.HasPrefix(r.srv.URL(), "http://127.0.0.1:") {
		t.Errorf("the URL of a bare port: %s, want http://127.0.0.1:PORT/, no token", r.srv.URL())
	}
	_, port, _ := net.SplitHostPort(r.srv.ln.Addr().String())
	for host, want := range map[string]int{"127.0.0.1:" + port: 200, "localhost:" + port: 200, "localhost": 200,
		"[::1]:" + port: 200, "evil.example:" + port: 403, "evil.example": 403, "10.0.0.1:" + port: 403} {
		req, _ := http.NewRequest("GET", r.srv.URL()+"api/summary", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host: %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
}

// stream reads Server-Sent Events.
type stream struct {
	t    *testing.T
	resp *http.Response
	rd   *bufio.Reader
}

type sse struct{ event, id, data string }

func openStream(t *testing.T, url string, header http.Header) *stream {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &stream{t: t, resp: resp, rd: bufio.NewReader(resp.Body)}
}

// next reads the next event (comments and retry lines skipped).
func (s *stream) next() sse {
	s.t.Helper()
	var e sse
	for {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			s.t.Fatalf("reading the stream: %v (so far %+v)", err, e)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if e.event != "" || e.data != "" {
				return e
			}
		case strings.HasPrefix(line, "event: "):
			e.event = line[7:]
		case strings.HasPrefix(line, "id: "):
			e.id = line[4:]
		case strings.HasPrefix(line, "data: "):
			e.data = line[6:]
		}
	}
}

// until reads events until one of kind whose data contains text.
func (s *stream) until(kind, text string) sse {
	s.t.Helper()
	for {
		if e := s.next(); e.event == kind && strings.Contains(e.data, text) {
			return e
		}
	}
}

// The event stream: the summary first, then what changes, job by job;
// Last-Event-ID resumes with what changed since, or a resync when that is
// no longer known; the end of the run ends it.
func TestEvents(t *testing.T) {
	r := startRun(t, "0", func(l *pool.Loop, p *pool.Pool) {
		p.Execute(job("j1"))
		p.Execute(job("j2"))
	})
	r.fl.waitStarted(t, "j2")
	snap := r.waitFor("two running", func(s *Snapshot) bool { return s.Running() == 2 })
	es := openStream(t, r.srv.URL()+"api/events", nil)
	first := es.next()
	var sum map[string]any
	if first.event != "summary" || json.Unmarshal([]byte(first.data), &sum) != nil || sum["running"] != 2.0 || first.id == "" {
		t.Fatalf("the first event: %+v, want the summary, with an id", first)
	}
	run, ver, _ := strings.Cut(first.id, ".")
	if v, err := strconv.ParseUint(ver, 10, 64); err != nil || v < snap.Version || run != snap.run() {
		t.Errorf("the first event's id %s, want %s.V with V at least %d, the snapshot's seen before", first.id, snap.run(), snap.Version)
	}
	r.fl.end(t, "j1", 4)
	ev := es.until("jobs", `"name":"j1"`)
	var jobs struct {
		Version int              `json:"version"`
		Jobs    []map[string]any `json:"jobs"`
	}
	if err := json.Unmarshal([]byte(ev.data), &jobs); err != nil {
		t.Fatal(err)
	}
	if len(jobs.Jobs) != 1 || jobs.Jobs[0]["status"] != "failed" || jobs.Jobs[0]["returncode"] != 4.0 {
		t.Errorf("the jobs event: %s", ev.data)
	}
	after := es.next()
	if after.event != "summary" || after.id != fmt.Sprintf("%s.%d", run, jobs.Version) || !strings.Contains(after.data, `"failures":1`) {
		t.Errorf("after the jobs event: %+v, want the summary of version %d", after, jobs.Version)
	}

	// Resuming from the first event: j1's change; from long ago, a resync.
	again := openStream(t, r.srv.URL()+"api/events", http.Header{"Last-Event-Id": {first.id}})
	if e := again.next(); e.event != "jobs" || !strings.Contains(e.data, `"name":"j1","pool":"test","task":null,"status":"failed"`) {
		t.Errorf("resumed from %s: %+v, want j1's change", first.id, e)
	}
	old := openStream(t, r.srv.URL()+"api/events", http.Header{"Last-Event-Id": {run + ".0"}})
	if e := old.next(); e.event != "resync" {
		t.Errorf("resumed from version 0: %+v, want a resync", e)
	}
	other := openStream(t, r.srv.URL()+"api/events", http.Header{"Last-Event-Id": {"x" + first.id}})
	if e := other.next(); e.event != "resync" {
		t.Errorf("resumed from another run's event: %+v, want a resync", e)
	}
	// The page's stream: summaries alone.
	page := openStream(t, r.srv.URL()+"api/events?only=summary", nil)
	if e := page.next(); e.event != "summary" {
		t.Errorf("only=summary: %+v", e)
	}

	r.fl.end(t, "j2", 0)
	r.wait()
	r.srv.Close()
	last := es.until("summary", `"over":true`)
	if !strings.Contains(last.data, `"finished":2`) {
		t.Errorf("the last summary: %s", last.data)
	}
	if e := es.next(); e.event != "end" {
		t.Errorf("after the last summary: %+v, want end", e)
	}
	for _, s := range []*stream{again, old, other, page} {
		s.until("end", "")
	}
}

// A reader that reads nothing never holds up the loop or the publisher: it
// is sent the latest snapshot when it can take it, and dropped once it has
// taken nothing for writeTimeout.
func TestStuckStreamDropped(t *testing.T) {
	saved := writeTimeout
	writeTimeout = 300 * time.Millisecond
	defer func() { writeTimeout = saved }()
	// Batches of jobs, each published before the next (a change each of a
	// few hundred KiB, the stream's to send), until the stream's buffers
	// fill and it is dropped.
	const maxBatches, batch = 100, 2000
	release := make(chan struct{})
	var r *run
	batches := 0
	r = startRun(t, "0", func(l *pool.Loop, p *pool.Pool) {
		<-release
		for b := 0; b < maxBatches && len(r.srv.nstream) > 0; b++ {
			for i := 0; i < batch; i++ {
				p.Execute(&pool.Job{Name: fmt.Sprintf("stub-%d-%d-with-a-long-name-to-fill-buffers", b, i), MaxRestarts: -1})
			}
			p.Join(context.Background(), 0)
			waitView(t, r.view, "the batch published", func(s *Snapshot) bool { return s.Finished == (b+1)*batch })
			batches++
		}
	})
	// A client with a small receive buffer that sends its request and reads
	// nothing more.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", r.srv.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: 1\r\n\r\n")
	waitStreams(t, r.srv, 1)
	close(release)
	start := time.Now()
	r.wait()
	t.Logf("%d batches of %d stub jobs, each published, in %v before the stuck stream was dropped", batches, batch, time.Since(start))
	if len(r.srv.nstream) != 0 {
		t.Errorf("the stuck stream was not dropped after %d batches", batches)
	}
}

// waitStreams waits until n event streams are open.
func waitStreams(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(s.nstream) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d event streams open, want %d", len(s.nstream), n)
		}
		time.Sleep(10 * time.Millisecond) // what is awaited is the server's, which says nothing
	}
}

// Readers read snapshots while the loop writes the next ones: the race
// detector watches; every answer is whole JSON.
func TestReadersWhileRunning(t *testing.T) {
	const n = 3000
	r := startRun(t, "0", func(l *pool.Loop, p *pool.Pool) {
		task := &pool.Task{Name: "t"}
		for i := 0; i < n; i++ {
			j := &pool.Job{Name: fmt.Sprintf("j%d", i), MaxRestarts: -1, Task: task}
			if i%3 == 0 {
				j = job(fmt.Sprintf("j%d", i))
				j.Task = task
			}
			p.Execute(j)
		}
	})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	paths := []string{"/api/summary", "/api/jobs?limit=100", "/api/jobs?status=done&limit=50", "/api/jobs?name=j1*", "/api/tasks", "/?part=live", "/api/jobs/j7"}
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rnd := rand.New(rand.NewSource(int64(g)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				path := paths[rnd.Intn(len(paths))]
				if path == "/api/jobs?limit=100" {
					path += fmt.Sprintf("&offset=%d", rnd.Intn(n))
				}
				code, body := get(t, r.srv.URL(), path, nil)
				if code != 200 && !(code == 404 && path == "/api/jobs/j7") {
					t.Errorf("GET %s: %d %s", path, code, body)
				}
				if strings.HasPrefix(path, "/api/") && code == 200 && !json.Valid([]byte(body)) {
					t.Errorf("GET %s: not JSON: %s", path, body)
				}
			}
		}(g)
	}
	es := openStream(t, r.srv.URL()+"api/events", nil)
	es.next()
	// End the processes as they start, two at a time.
	for i := 0; i < n; i += 3 {
		key := fmt.Sprintf("j%d", i)
		r.fl.waitStarted(t, key)
		r.fl.end(t, key, i%2)
	}
	r.wait()
	close(stop)
	wg.Wait()
	s := r.waitFor("every job finished", func(s *Snapshot) bool { return s.Finished == n })
	if s.Finished != n || s.byStatus[pool.StatusFailed] != n/3/2 {
		t.Errorf("finished %d, failed %d; want %d, %d", s.Finished, s.byStatus[pool.StatusFailed], n, n/3/2)
	}
	r.srv.Close()
	es.until("end", "")
}
