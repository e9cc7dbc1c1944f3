package webui

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"expool/pool"
	"expool/records"
)

// The page, /: one self-contained page (nothing fetched from elsewhere),
// rendered on the server, so that a terminal browser with no scripts (w3m)
// shows the same tables. In a browser its script listens to /api/events and,
// on each new snapshot, fetches the page's live part again (/?part=live and
// the same filters) and puts it in place.

//go:embed page.html
var pageSource string

// pageTemplate is parsed on first use: not at start-up, for a run with no
// web view.
var pageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(pageSource))
})

// pageLimit is the number of jobs the page lists by default; failuresShown,
// of failures; taskNamesListed, of task names the task filter offers.
const (
	pageLimit       = 50
	failuresShown   = 50
	taskNamesListed = 200
)

type pageData struct {
	Script   string
	Nonce    string
	Style    template.CSS
	Token    string // to carry in links and forms, if the view needs one
	Status   string // the filters, as given
	Task     string
	Name     string
	Statuses []string
	// TaskNames are the names of the tasks, for the task filter (the first
	// taskNamesListed).
	TaskNames []string
	Live      *liveData
}

// liveData is the part of the page that changes.
type liveData struct {
	Version    uint64
	Now        int64 // ms since the epoch
	Over       bool
	Started    string
	Elapsed    string
	StartMs    int64
	ETA        string
	Executed   int
	Finished   int
	Running    int
	Pending    int
	Counts     []countItem
	Pools      []poolRow
	Filtered   bool
	RunJobs    []runRow
	RunTotal   int
	Failures   []failRow
	FailTotal  int
	FailAll    string // the link to all of them
	Jobs       []jobRow
	JobsTotal  int
	JobsFrom   int
	JobsTo     int
	Prev, Next string
	Tasks      []taskRow
	Timeline   template.HTML
}

type poolRow struct {
	Name                      string
	Workers, Running, Pending int
	Memory, MemLimit          string // "" where it is not sampled, or has none
}

type countItem struct {
	Status, Color string
	N             int
}

type runRow struct {
	Name, Link, Task, PID, RunningFor, TimeoutLeft string
	Memory, PeakMem, CPUs                          string // "-": none
	Since, Deadline                                int64  // ms since the epoch; 0: none
}

type failRow struct {
	Name, Link, Status, ReturnCode, Error, Output string
}

type jobRow struct {
	Name, Link, Task, Status, ReturnCode, Start, Duration, Error, PeakMem string
	Restarts                                                              int32
}

type taskRow struct {
	Name, Parent, Status, Start, Duration string
	NumAdded, NumDone, NumTerm            int32
}

// page serves / (the whole page) and /?part=live (the live part alone).
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := parseFilter(q)
	if err == nil {
		_, _, err = parsePage(q)
	}
	part := q.Get("part")
	if err == nil && part != "" && part != "live" {
		err = &badQuery{"part", fmt.Sprintf("want live, got %q", part)}
	}
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	snap := s.view.Snapshot()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if part == "live" {
		w.Write(s.liveHTML(snap, q, f))
		if snap.Over {
			select {
			case s.lastFetch <- struct{}{}:
			default:
			}
		}
		return
	}
	var nonce [16]byte
	rand.Read(nonce[:])
	d := &pageData{Script: snap.Script, Nonce: hex.EncodeToString(nonce[:]),
		Style: template.CSS(records.TimelineStyle), Status: q.Get("status"), Task: f.task, Name: f.name}
	if s.token != "" {
		d.Token = s.token
	}
	for _, st := range knownStatuses {
		d.Statuses = append(d.Statuses, string(st))
	}
	seen := map[string]bool{}
	for i := 0; i < snap.tasks.len() && len(d.TaskNames) < taskNamesListed; i++ {
		if name := snap.tasks.at(i).name; !seen[name] {
			seen[name] = true
			d.TaskNames = append(d.TaskNames, name)
		}
	}
	d.Live = s.live(snap, q, f, time.Now())
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+d.Nonce+"'; style-src 'unsafe-inline'; "+
		"connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	var b bytes.Buffer
	if err := pageTemplate().Execute(&b, d); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	w.Write(b.Bytes())
}

// liveHTML is the live part of the page, made once per snapshot and query.
func (s *Server) liveHTML(snap *Snapshot, q url.Values, f *filter) []byte {
	return s.answers.get(snap.Version, "/?"+q.Encode(), func() []byte {
		var b bytes.Buffer
		if err := pageTemplate().ExecuteTemplate(&b, "live", s.live(snap, q, f, time.Now())); err != nil {
			return []byte(template.HTMLEscapeString(err.Error()))
		}
		return b.Bytes()
	})
}

// live lays out the live part of the page from snap at now.
func (s *Server) live(snap *Snapshot, q url.Values, f *filter, now time.Time) *liveData {
	if snap.Over {
		now = snap.End
	}
	c := snap.Counts(now)
	d := &liveData{Version: snap.Version, Now: now.UnixMilli(), Over: snap.Over,
		Started: snap.Start.Format("2006-01-02 15:04:05"), Elapsed: records.Clock(c.Elapsed), StartMs: snap.Start.UnixMilli(),
		Executed: c.Executed, Finished: c.Finished, Running: c.Running, Pending: c.Pending, Filtered: f.any()}
	for _, p := range snap.pools {
		row := poolRow{Name: p.name, Workers: p.workers, Running: p.running, Pending: max(p.executed-p.finished-p.running, 0)}
		if p.sampled {
			row.Memory = memText(p.memory)
		}
		if p.memlimit > 0 {
			row.MemLimit = memText(p.memlimit)
		}
		d.Pools = append(d.Pools, row)
	}
	if eta, ok := c.ETA(); ok {
		d.ETA = records.Clock(eta)
	}
	for _, st := range knownStatuses[2:] {
		d.Counts = append(d.Counts, countItem{Status: string(st), Color: records.StatusColor(st), N: c.ByStatus[st]})
	}
	link := func(r *jobRec) string { return s.link("/api/jobs/"+url.PathEscape(r.name), nil) }

	var ids []int32
	d.RunTotal, ids = snap.selected(snap.runningIDs(), f, maxLimit, false)
	for _, id := range ids {
		r := snap.jobs.at(int(id))
		row := runRow{Name: r.name, Link: link(r), Task: snap.taskName(r.task), PID: strconv.Itoa(int(r.pid)),
			Since: r.tstart / 1e6}
		row.RunningFor = records.Clock(now.Sub(time.Unix(0, r.tstart)))
		row.Memory, row.PeakMem, row.CPUs = "-", "-", "-"
		if last, peak, live := snap.memory(id); live {
			row.Memory, row.PeakMem = memText(last), memText(peak)
		}
		if r.more != nil && r.more.cpus != "" {
			row.CPUs = r.more.cpus
		}
		if r.pid == 0 {
			row.PID = "-"
		}
		if t := float64(r.timeout); t > 0 && t < 1e12 {
			deadline := time.Unix(0, r.tstart).Add(time.Duration(t * float64(time.Second)))
			row.Deadline = deadline.UnixMilli()
			row.TimeoutLeft = "over"
			if left := deadline.Sub(now); left > 0 {
				row.TimeoutLeft = records.Clock(left)
			}
		}
		d.RunJobs = append(d.RunJobs, row)
	}

	d.FailTotal, ids = snap.selected(snap.failures, f, failuresShown, true)
	for _, id := range ids {
		r := snap.jobs.at(int(id))
		row := failRow{Name: r.name, Link: link(r), Status: string(snap.status(r)), ReturnCode: returnCode(r)}
		if m := r.more; m != nil {
			row.Error = m.err
			row.Output = strings.TrimRight(m.outTail, "\n")
			if m.errTail != "" {
				if row.Output != "" {
					row.Output += "\n"
				}
				row.Output += strings.TrimRight(m.errTail, "\n")
			}
		}
		d.Failures = append(d.Failures, row)
	}
	if d.FailTotal > len(d.Failures) {
		fq := url.Values{"task": {f.task}, "name": {f.name}}
		var failed []string
		for _, st := range knownStatuses[2:] {
			if st != pool.StatusDone && (len(f.statuses) == 0 || slices.Contains(f.statuses, st)) {
				failed = append(failed, string(st))
			}
		}
		fq.Set("status", strings.Join(failed, ","))
		d.FailAll = s.link("/", fq)
	}

	offset, limit, _ := parsePage(q)
	if q.Get("limit") == "" {
		limit = pageLimit
	}
	d.JobsTotal, ids = snap.jobsMatching(f, offset, limit)
	for _, id := range ids {
		r := snap.jobs.at(int(id))
		row := jobRow{Name: r.name, Link: link(r), Task: snap.taskName(r.task), Status: string(snap.status(r)),
			ReturnCode: returnCode(r), Restarts: r.restarts, Start: clockTime(r.tstart), Duration: duration(r.tstart, r.tstop, now)}
		if r.more != nil {
			row.Error = r.more.err
		}
		row.PeakMem = "-"
		if _, peak, _ := snap.memory(id); peak > 0 {
			row.PeakMem = memText(peak)
		}
		d.Jobs = append(d.Jobs, row)
	}
	d.JobsFrom, d.JobsTo = offset+1, offset+len(ids)
	page := func(from int) string {
		pq := url.Values{}
		for k, v := range q {
			if k != "part" && k != "token" && k != "offset" {
				pq[k] = v
			}
		}
		pq.Set("offset", strconv.Itoa(from))
		return s.link("/", pq)
	}
	if offset > 0 {
		d.Prev = page(max(offset-limit, 0))
	}
	if offset+len(ids) < d.JobsTotal {
		d.Next = page(offset + len(ids))
	}

	var taskMatch *matcher
	if f.task != "" {
		taskMatch = snap.matcher(&filter{task: f.task})
	}
	for i := 0; i < snap.tasks.len(); i++ {
		if taskMatch != nil && !taskMatch.tasks[i] {
			continue
		}
		t := snap.tasks.at(i)
		d.Tasks = append(d.Tasks, taskRow{Name: t.name, Parent: snap.taskName(t.parent), Status: string(snap.statuses[t.status]),
			Start: clockTime(t.tstart), Duration: duration(t.tstart, t.tstop, now), NumAdded: t.numadded, NumDone: t.numdone, NumTerm: t.numterm})
	}

	var tl bytes.Buffer
	if err := snap.Timeline(now).WriteChart(&tl); err == nil {
		d.Timeline = template.HTML(tl.String())
	}
	return d
}

// link is the path with the query, and the token if the view needs one.
func (s *Server) link(path string, q url.Values) string {
	v := url.Values{}
	for k, vs := range q {
		for _, x := range vs {
			if x != "" {
				v.Add(k, x)
			}
		}
	}
	if s.token != "" {
		v.Set("token", s.token)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// memText is b bytes as the page shows memory: "312 MiB", "1.25 GiB".
func memText(b int64) string {
	if b < 1<<30 {
		return strconv.FormatInt((b+1<<19)>>20, 10) + " MiB"
	}
	return strconv.FormatFloat(float64(b)/(1<<30), 'f', 2, 64) + " GiB"
}

func returnCode(r *jobRec) string {
	if r.flags&flagRC == 0 {
		return "-"
	}
	return strconv.Itoa(int(r.rc))
}

// clockTime is the time of day of ns, "-" for none.
func clockTime(ns int64) string {
	if ns == 0 {
		return "-"
	}
	return time.Unix(0, ns).Format("15:04:05")
}

// duration is from start to stop (to now while it runs), in seconds to the
// millisecond under a minute, else as h:mm:ss.
func duration(start, stop int64, now time.Time) string {
	if start == 0 {
		return "-"
	}
	end := now
	if stop != 0 {
		end = time.Unix(0, stop)
	}
	d := end.Sub(time.Unix(0, start))
	if d < time.Minute {
		return fmt.Sprintf("%.3fs", d.Seconds())
	}
	return records.Clock(d)
}
