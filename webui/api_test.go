package webui

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"math/rand"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"expool/pool"
)

type jobsAnswer struct {
	Version int              `json:"version"`
	Total   int              `json:"total"`
	Offset  int              `json:"offset"`
	Limit   int              `json:"limit"`
	Jobs    []map[string]any `json:"jobs"`
}

// A run whose jobs end every way a job can: the API tells each, with the
// Lua fields' names and values, as it goes.
func TestAPI(t *testing.T) {
	sweep := &pool.Task{Name: "sweep"}
	sub := &pool.Task{Name: "sub", Parent: sweep}
	r := startRun(t, "0", func(l *pool.Loop, p *pool.Pool) {
		a1, a2 := job("a1"), job("a2")
		a1.Task, a2.Task = sub, sub
		a1.Timeout = 90 * time.Second
		bok := job("bok")
		bok.Task = sweep
		bad := job("bad", "line1\nline2\n")
		bad.Stdout = pool.Pipe
		slow := job("slow")
		slow.Timeout, slow.RestartOnTimeout, slow.MaxRestarts = 20*time.Millisecond, true, 1
		for _, j := range []*pool.Job{a1, a2, bok, bad, slow,
			{Name: "missing", Args: []string{"missing"}, MaxRestarts: -1}, {Name: "stub", MaxRestarts: -1}} {
			if err := p.Execute(j); err != nil {
				t.Error(err)
			}
		}
	})

	// Two running, five pending.
	r.waitFor("a1 and a2 running", func(s *Snapshot) bool { return s.Running() == 2 && s.Executed == 7 })
	var sum map[string]any
	r.getJSON("/api/summary", &sum)
	for k, want := range map[string]any{"script": "test.lua", "running": 2.0, "pending": 5.0, "executed": 7.0, "finished": 0.0, "over": false, "eta": nil} {
		if sum[k] != want {
			t.Errorf("summary %s = %v, want %v", k, sum[k], want)
		}
	}
	if pools := sum["pools"].([]any); len(pools) != 1 || pools[0].(map[string]any)["workers"] != 2.0 || pools[0].(map[string]any)["name"] != "test" {
		t.Errorf("summary pools = %v", pools)
	}
	var jobs jobsAnswer
	r.getJSON("/api/jobs?status=running", &jobs)
	if names(jobs.Jobs) != "a1 a2" || jobs.Total != 2 {
		t.Errorf("running jobs: %q (total %d), want a1 a2", names(jobs.Jobs), jobs.Total)
	}
	a1 := jobs.Jobs[0]
	if a1["status"] != "running" || a1["task"] != "sub" || a1["pool"] != "test" || a1["pid"] == nil || a1["tstart"] == nil ||
		a1["tstop"] != nil || a1["duration"] != nil || a1["returncode"] != nil || a1["timeout"] != 90.0 || a1["rusage"] != nil {
		t.Errorf("a1 running: %v", a1)
	}
	r.getJSON("/api/jobs?status=pending", &jobs)
	if names(jobs.Jobs) != "bok bad slow missing stub" {
		t.Errorf("pending jobs: %q", names(jobs.Jobs))
	}

	// All but bok end.
	r.fl.end(t, "a1", 0)
	r.fl.end(t, "a2", 0)
	r.fl.waitStarted(t, "bad")
	r.fl.end(t, "bad", 3)
	r.waitFor("six jobs finished", func(s *Snapshot) bool { return s.Finished == 6 })

	r.getJSON("/api/jobs?status=failed,timeout,error", &jobs)
	if names(jobs.Jobs) != "bad slow missing" {
		t.Errorf("failures: %q", names(jobs.Jobs))
	}
	var bad map[string]any
	r.getJSON("/api/jobs/bad", &bad)
	if bad["status"] != "failed" || bad["returncode"] != 3.0 || bad["outputtail"] != "line1\nline2\n" || bad["erroutputtail"] != nil ||
		bad["error"] != nil || bad["duration"] == nil {
		t.Errorf("bad: %v", bad)
	}
	if use, ok := bad["rusage"].(map[string]any); !ok || use["utime"] != 0.0015 || use["stime"] != 0.00025 || use["maxrss"] != 4321.0 {
		t.Errorf("bad's rusage: %v", bad["rusage"])
	}
	var slow struct {
		Status     string           `json:"status"`
		ReturnCode int              `json:"returncode"`
		Restarts   int              `json:"restarts"`
		Attempts   []map[string]any `json:"attempts"`
	}
	r.getJSON("/api/jobs/slow", &slow)
	if slow.Status != "timeout" || slow.ReturnCode != -15 || slow.Restarts != 1 || len(slow.Attempts) != 2 {
		t.Fatalf("slow: %+v", slow)
	}
	for i, a := range slow.Attempts {
		if a["attempt"] != float64(i+1) || a["status"] != "timeout" || a["returncode"] != -15.0 || a["pid"] == nil || a["duration"].(float64) < 0.02 {
			t.Errorf("slow's attempt %d: %v", i+1, a)
		}
	}
	if slow.Attempts[0]["pid"] == slow.Attempts[1]["pid"] {
		t.Errorf("slow's two attempts have one pid")
	}
	// The timeline draws each attempt, with its own returncode.
	_, live := r.get("/?part=live")
	for _, want := range []string{"<title>slow, attempt 1: timeout in", "<title>slow, attempt 2: timeout in", "returncode -15 (signal 15)</title>",
		"<title>bad, attempt 1: failed in", "returncode 3</title>", "<title>stub: a stub job, done</title>"} {
		if !strings.Contains(live, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}
	if n := strings.Count(live, `<rect class="bar"`); n != 7 {
		t.Errorf("the timeline has %d bars, want 7 (a1, a2, bad, slow twice, stub, and bok running)", n)
	}
	var missing map[string]any
	r.getJSON("/api/jobs/missing", &missing)
	if missing["status"] != "error" || !strings.Contains(fmt.Sprint(missing["error"]), "executable file not found") ||
		missing["pid"] != nil || missing["tstart"] != nil || missing["returncode"] != nil {
		t.Errorf("missing: %v", missing)
	}
	var stub map[string]any
	r.getJSON("/api/jobs/stub", &stub)
	if stub["status"] != "done" || stub["returncode"] != 0.0 || stub["pid"] != nil || stub["rusage"] != nil || stub["tstart"] == nil {
		t.Errorf("stub: %v", stub)
	}

	// The tasks: sub done, sweep running (bok runs).
	var tasks struct {
		Tasks []map[string]any `json:"tasks"`
	}
	r.getJSON("/api/tasks", &tasks)
	if len(tasks.Tasks) != 2 {
		t.Fatalf("tasks: %v", tasks.Tasks)
	}
	sw, sb := tasks.Tasks[0], tasks.Tasks[1]
	if sw["name"] != "sweep" || sw["task"] != nil || sw["status"] != "running" || sw["numadded"] != 2.0 || sw["numdone"] != 1.0 || sw["numterm"] != 0.0 {
		t.Errorf("task sweep: %v", sw)
	}
	if sb["name"] != "sub" || sb["task"] != "sweep" || sb["status"] != "done" || sb["numadded"] != 2.0 || sb["numdone"] != 2.0 || sb["tstop"] == nil {
		t.Errorf("task sub: %v", sb)
	}

	// Filters.
	for _, c := range []struct{ query, want string }{
		{"", "a1 a2 bok bad slow missing stub"},
		{"?task=sweep", "a1 a2 bok"},
		{"?task=sub", "a1 a2"},
		{"?task=none", ""},
		{"?name=a", "a1 a2 bad"},
		{"?name=%3F1", "a1"},
		{"?name=s*", "slow stub"},
		{"?name=*o*&status=timeout", "slow"},
		{"?name=*o*", "bok slow"},
		{"?name=[ab]?", "a1 a2"},
		{"?name=[!a]*", "bok bad slow missing stub"},
		{"?status=done&task=sweep", "a1 a2"},
		{"?status=running", "bok"},
		{"?limit=2&offset=1", "a2 bok"},
		{"?offset=6", "stub"},
		{"?offset=7", ""},
	} {
		r.getJSON("/api/jobs"+c.query, &jobs)
		if got := names(jobs.Jobs); got != c.want {
			t.Errorf("/api/jobs%s: %q, want %q", c.query, got, c.want)
		}
	}
	r.getJSON("/api/jobs?limit=2&offset=1", &jobs)
	if jobs.Total != 7 || jobs.Limit != 2 || jobs.Offset != 1 {
		t.Errorf("limit=2&offset=1: total %d, limit %d, offset %d", jobs.Total, jobs.Limit, jobs.Offset)
	}
	r.getJSON("/api/jobs?name=a", &jobs)
	if jobs.Total != 3 {
		t.Errorf("name=a: total %d, want 3", jobs.Total)
	}

	// The end.
	r.fl.end(t, "bok", 0)
	r.wait()
	r.srv.Close()
	s := r.view.Snapshot()
	if !s.Over || s.Finished != 7 || s.byStatus[pool.StatusDone] != 4 || s.byStatus[pool.StatusFailed] != 1 || s.byStatus[pool.StatusTimeout] != 1 || s.byStatus[pool.StatusError] != 1 {
		t.Errorf("the last snapshot: over %v, finished %d, by status %v", s.Over, s.Finished, s.byStatus)
	}
	if _, err := http.Get(r.srv.URL()); err == nil {
		t.Errorf("the port is still open once the server is closed")
	}
}

// Bad query values are refused, with a message naming the parameter.
func TestBadQueries(t *testing.T) {
	r := startRun(t, "0", func(l *pool.Loop, p *pool.Pool) {})
	for _, c := range []struct{ path, param string }{
		{"/api/jobs?limit=x", "limit"},
		{"/api/jobs?limit=0", "limit"},
		{"/api/jobs?limit=-3", "limit"},
		{"/api/jobs?limit=10001", "limit"},
		{"/api/jobs?limit=1.5", "limit"},
		{"/api/jobs?offset=-1", "offset"},
		{"/api/jobs?offset=abc", "offset"},
		{"/api/jobs?status=finished", "status"},
		{"/api/jobs?status=done,nope", "status"},
		{"/api/jobs?name=[abc", "name"},
		{"/api/jobs?name=a*%5C", "name"},
		{"/api/events?only=jobs", "only"},
		{"/?limit=many", "limit"},
		{"/?status=DONE", "status"},
		{"/?part=all", "part"},
	} {
		code, body := r.get(c.path)
		if code != 400 || !strings.Contains(body, c.param+":") {
			t.Errorf("GET %s: %d %q, want 400 naming %s", c.path, code, body, c.param)
		}
		if strings.HasPrefix(c.path, "/api/") {
			var e map[string]string
			if err := json.Unmarshal([]byte(body), &e); err != nil || !strings.HasPrefix(e["error"], c.param+": ") {
				t.Errorf("GET %s: %q, want JSON {\"error\": \"%s: ...\"}", c.path, body, c.param)
			}
		}
	}
	// Parameters the view does not know are left alone.
	if code, _ := r.get("/api/jobs?colour=red"); code != 200 {
		t.Errorf("an unknown parameter: %d, want 200", code)
	}
}

// Unknown paths are 404; only GET and HEAD are served (405 otherwise), and
// HEAD answers as GET, without the body.
func TestMethodsAndPaths(t *testing.T) {
	r := startRun(t, "0", func(l *pool.Loop, p *pool.Pool) { p.Execute(job("j")) })
	r.fl.waitStarted(t, "j")
	r.waitFor("j running", func(s *Snapshot) bool { return s.Running() == 1 })
	for _, path := range []string{"/nope", "/api", "/api/", "/api/job", "/api/jobs/", "/api/jobs/nope", "/api/summary/x", "/index.html", "/favicon.ico"} {
		if code, body := r.get(path); code != 404 {
			t.Errorf("GET %s: %d %q, want 404", path, code, body)
		}
	}
	base := strings.TrimSuffix(r.srv.URL(), "/")
	paths := []string{"/", "/?part=live", "/api/summary", "/api/jobs", "/api/jobs/j", "/api/tasks", "/api/events"}
	for _, path := range paths {
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
			req, _ := http.NewRequest(m, base+path, strings.NewReader("x=1"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q; want 405, GET, HEAD", m, path, resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
		resp, err := http.Head(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := "application/json"
		switch {
		case path == "/api/events":
			want = "text/event-stream"
		case !strings.HasPrefix(path, "/api/"):
			want = "text/html; charset=utf-8"
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want || len(body) > 0 {
			t.Errorf("HEAD %s: %d, %q, %d bytes; want 200, %s, no body", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), want)
		}
	}
	r.fl.end(t, "j", 0)
}

// The JSON strings are what encoding/json reads back, whatever the bytes.
func TestJSONStrings(t *testing.T) {
	for _, s := range []string{"", "plain", `"quoted" \back\slash`, "tab\there\nnew\rline", "\x00\x01\x1f\x7f",
		"<script>&amp;</script>", "unicode: é 日本 🎉", "bad utf-8: \xff\xfe end", "\u2028\u2029", "trunc\xe6\x97"} {
		b := appendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("%q: %s does not decode: %v", s, b, err)
			continue
		}
		want, _ := json.Marshal(s)
		var w string
		json.Unmarshal(want, &w)
		if got != w {
			t.Errorf("%q: reads back %q, encoding/json's %q", s, got, w)
		}
	}
	for _, c := range []struct {
		v    float64
		want string
	}{{0, "0"}, {1.5, "1.5"}, {1795735394.533545, "1795735394.533545"}, {math.Inf(1), "null"}, {math.NaN(), "null"}} {
		if got := string(appendNum(nil, c.v)); got != c.want {
			t.Errorf("appendNum(%v) = %s, want %s", c.v, got, c.want)
		}
	}
	o := obj{}
	o.open('{')
	o.num32("timeout", 0.3)
	o.num32("forever", float32(math.Inf(1)))
	o.seconds("d", 1234567891)
	o.close('}')
	if got := string(o.b); got != `{"timeout":0.3,"forever":null,"d":1.234568}` {
		t.Errorf("numbers: %s", got)
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		glob, name string
		match      bool
	}{
		{"sweep-*", "sweep-12", true},
		{"sweep-*", "a/sweep-12", false},
		{"*/b", "a/b", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "aéc", true},
		{"a.c", "abc", false},
		{"[0-9]*", "7up", true},
		{"[!0-9]*", "7up", false},
		{"[^0-9]*", "up", true},
		{"\\*", "*", true},
		{"\\*", "a", false},
		{"x*", "x\ny", true},
		{"[]]", "]", true},
		{"[]a]x", "ax", true},
		{"(a)+", "(a)+", true},
		{"*", "", true},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c", "abcabcab", false},
		{"*ab", "aab", true},
		{"a**b", "ab", true},
		{"[a-cx]?", "bz", true},
		{"[a-cx]?", "dz", false},
		{"[é-ë]", "ê", true},
		{"*-[0-9]", "trial-7", true},
		{"*-[0-9]", "trial-77", false},
		{"t[\\]]", "t]", true},
	} {
		g, err := compileGlob(c.glob)
		if err != nil {
			t.Errorf("%q: %v", c.glob, err)
			continue
		}
		if got := g.match(c.name); got != c.match {
			t.Errorf("%q matches %q: %v, want %v", c.glob, c.name, got, c.match)
		}
	}
	for _, bad := range []string{"[abc", "a\\", "[z-a]", "[!"} {
		if _, err := compileGlob(bad); err == nil {
			t.Errorf("%q compiles", bad)
		}
	}
}

// A job's name may hold any character: its link finds it.
func TestOddNames(t *testing.T) {
	names := []string{"a/b", "c d?e#f", "100%", "x&y<z>", "é/../日本", "tab\tnew\nline", `q"uote`}
	r := startRun(t, "0", func(l *pool.Loop, p *pool.Pool) {
		for _, n := range names {
			p.Execute(&pool.Job{Name: n, MaxRestarts: -1})
		}
	})
	r.waitFor("every job finished", func(s *Snapshot) bool { return s.Finished == len(names) })
	_, page := r.get("/")
	for _, n := range names {
		var j map[string]any
		r.getJSON("/api/jobs/"+url.PathEscape(n), &j)
		if j["name"] != n || j["status"] != "done" {
			t.Errorf("/api/jobs/%s: %v", url.PathEscape(n), j)
		}
		if !strings.Contains(page, `href="/api/jobs/`+html.EscapeString(url.PathEscape(n))+`"`) {
			t.Errorf("the page has no link to %q", n)
		}
	}
}

// The glob matches as path.Match does, on names without a slash and
// patterns that both read alike (path.Match negates with ^ only, and refuses
// a class that starts with ] or -, as shells take them).
func TestGlobAsPathMatch(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	tokens := []string{"a", "b", "c", "*", "?", "[ab]", "[^a]", "[a-b]", "[b-c]", "\\*", "\\a"}
	for range 20000 {
		var p, name strings.Builder
		for range rnd.Intn(6) {
			p.WriteString(tokens[rnd.Intn(len(tokens))])
		}
		for range rnd.Intn(7) {
			name.WriteByte("abc*"[rnd.Intn(4)])
		}
		want, err := path.Match(p.String(), name.String())
		if err != nil {
			t.Fatalf("path.Match(%q): %v", p.String(), err)
		}
		g, err := compileGlob(p.String())
		if err != nil {
			t.Fatalf("%q: %v", p.String(), err)
		}
		if got := g.match(name.String()); got != want {
			t.Errorf("%q matches %q: %v, path.Match says %v", p.String(), name.String(), got, want)
		}
	}
}
