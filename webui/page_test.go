package webui

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"expool/pool"
)

// The page is rendered on the server: its tables are there without a
// script; it fetches nothing from elsewhere; the filters select its jobs.
func TestPage(t *testing.T) {
	task := &pool.Task{Name: "sweep"}
	r := startRun(t, "0", func(l *pool.Loop, p *pool.Pool) {
		run := job("run-1")
		run.Task, run.Timeout = task, time.Hour
		bad := job("bad-1", "first\nsecond <b>\nthird\n")
		bad.Stdout, bad.Task = pool.Pipe, task
		p.Execute(run)
		p.Execute(bad)
		p.Execute(&pool.Job{Name: "missing-1", Args: []string{"missing"}, MaxRestarts: -1})
		p.Execute(&pool.Job{Name: "stub-1", MaxRestarts: -1})
	})
	r.fl.waitStarted(t, "bad-1")
	r.fl.end(t, "bad-1", 2)
	r.waitFor("all but run-1 finished", func(s *Snapshot) bool { return s.Finished == 3 })
	defer r.fl.end(t, "run-1", 0)

	resp, err := http.Get(r.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'nonce-") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("Content-Security-Policy: %q", csp)
	}
	code, page := r.get("/")
	if code != 200 {
		t.Fatalf("GET /: %d", code)
	}
	row := func(cells ...string) *regexp.Regexp {
		for i, c := range cells {
			cells[i] = `<td[^>]*>(<a [^>]*>)?` + regexp.QuoteMeta(c) + `(</a>)?</td>`
		}
		return regexp.MustCompile(strings.Join(cells, ""))
	}
	for name, re := range map[string]*regexp.Regexp{
		"the running job":        row("run-1", "sweep", "1001"),
		"the failure":            row("bad-1", "failed", "2", ""),
		"its last lines":         regexp.MustCompile(`<pre class="out">first\nsecond &lt;b&gt;\nthird</pre>`),
		"the job that never ran": row("missing-1", "error", "-", `exec: &#34;missing&#34;: executable file not found in $PATH`),
		"the task":               row("sweep", "", "running", "2", "0", "1"),
		"the counts":             regexp.MustCompile(`done <b>1</b>.*failed <b>1</b>.*error <b>1</b>.*running <b>1</b></td><td>pending <b>0</b>`),
		"the timeline":           regexp.MustCompile(`<svg class="timeline"[^>]*>.*<rect class="bar"[^>]*fill="#fdd835"><title>run-1, attempt 1: running for`),
		"the stub's bar":         regexp.MustCompile(`<title>stub-1: a stub job, done</title>`),
		"the filter form":        regexp.MustCompile(`<form class="filters" method="get" action="/">`),
		"the script":             regexp.MustCompile(`<script nonce="[0-9a-f]{32}">`),
	} {
		if !re.MatchString(strings.ReplaceAll(page, "\n", "\x00")) && !re.MatchString(page) {
			t.Errorf("the page lacks %s (%s)", name, re)
		}
	}
	// Self-contained: no link or source outside the view.
	for _, m := range regexp.MustCompile(`(src|href|action)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[2], "/") || strings.HasPrefix(m[2], "//") {
			t.Errorf("the page refers to %s", m[0])
		}
	}
	for _, bad := range []string{"<link", "@import", "url(", "http://", "https://"} {
		if strings.Contains(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), bad) {
			t.Errorf("the page has %q", bad)
		}
	}

	// The live part alone, as the script fetches it.
	code, live := r.get("/?part=live")
	if code != 200 || strings.Contains(live, "<html") || strings.Contains(live, "<script") || !strings.Contains(live, `<div id="state" data-version="`) ||
		!strings.Contains(live, `id="running"`) {
		t.Errorf("GET /?part=live: %d\n%s", code, live)
	}

	// Filters: the jobs, running and failures tables show the matching jobs.
	jobsTable := regexp.MustCompile(`(?s)<table class="list" id="jobs">(.*?)</table>`)
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"?name=bad", []string{"bad-1"}},
		{"?name=*-1&status=done", []string{"stub-1"}},
		{"?status=error", []string{"missing-1"}},
		{"?task=sweep", []string{"run-1", "bad-1"}},
		{"?status=running&task=sweep", []string{"run-1"}},
	} {
		_, page := r.get("/" + c.query)
		m := jobsTable.FindStringSubmatch(page)
		if m == nil {
			t.Errorf("%s: no jobs table", c.query)
			continue
		}
		got := regexp.MustCompile(`<tr><td><a [^>]*>([^<]*)</a>`).FindAllStringSubmatch(m[1], -1)
		var names []string
		for _, g := range got {
			names = append(names, g[1])
		}
		if strings.Join(names, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: the jobs table lists %v, want %v", c.query, names, c.want)
		}
	}
	_, page = r.get("/?name=bad")
	if strings.Contains(page, `id="running"`) && strings.Contains(page, ">run-1<") {
		t.Errorf("?name=bad: the running table still shows run-1")
	}
	if !strings.Contains(page, `value="bad"`) {
		t.Errorf("?name=bad: the form does not keep the filter")
	}
	_, page = r.get("/?limit=2")
	if !strings.Contains(page, "Jobs (4, 1 to 2)") || !strings.Contains(page, `<a href="/?limit=2&amp;offset=2">next</a>`) {
		t.Errorf("?limit=2: no paging:\n%s", page)
	}
}
