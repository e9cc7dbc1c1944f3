package webui

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"expool/pool"
)

// The JSON API: /api/summary, /api/jobs, /api/jobs/NAME, /api/tasks, and
// /api/events (events.go). Field names are the Lua fields'.

const (
	defaultLimit = 100
	maxLimit     = 10000
)

// badQuery is a query value the view refuses: 400, naming the parameter.
type badQuery struct{ param, msg string }

func (e *badQuery) Error() string { return e.param + ": " + e.msg }

// parseFilter reads the filters of a query: status (a status, or several,
// comma-separated), task (a task's name: its jobs and its subtasks'), name
// (a substring of the job's name, or a glob of the whole name when it has
// *, ? or [).
func parseFilter(q url.Values) (*filter, error) {
	f := &filter{task: q.Get("task"), name: q.Get("name")}
	for _, v := range q["status"] {
		for _, st := range strings.Split(v, ",") {
			st = strings.TrimSpace(st)
			if st == "" {
				continue
			}
			if !slices.Contains(knownStatuses, pool.Status(st)) {
				var names []string
				for _, k := range knownStatuses {
					names = append(names, string(k))
				}
				return nil, &badQuery{"status", fmt.Sprintf("no status %q: want one of %s, or several, comma-separated", st, strings.Join(names, ", "))}
			}
			if !slices.Contains(f.statuses, pool.Status(st)) {
				f.statuses = append(f.statuses, pool.Status(st))
			}
		}
	}
	if isGlob(f.name) {
		g, err := compileGlob(f.name)
		if err != nil {
			return nil, &badQuery{"name", fmt.Sprintf("bad glob %q: %v", f.name, err)}
		}
		f.glob = g
	}
	return f, nil
}

// parsePage reads offset (default 0) and limit (default defaultLimit, at
// most maxLimit).
func parsePage(q url.Values) (offset, limit int, err error) {
	offset, limit = 0, defaultLimit
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, &badQuery{"offset", fmt.Sprintf("want a whole number ≥ 0, got %q", v)}
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxLimit {
			return 0, 0, &badQuery{"limit", fmt.Sprintf("want a whole number from 1 to %d, got %q", maxLimit, v)}
		}
	}
	return offset, limit, nil
}

// writeJSON answers with b, JSON ending with a newline.
func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// apiSummary: the counts by status, running, pending, elapsed, ETA, and the
// pools.
func (s *Server) apiSummary(w http.ResponseWriter, r *http.Request) {
	o := obj{}
	s.view.Snapshot().writeSummary(&o, time.Now())
	writeJSON(w, append(o.b, '\n'))
}

// apiJobs: the jobs that match the filters, in the order they were
// executed, limit of them from offset.
func (s *Server) apiJobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := parseFilter(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	offset, limit, err := parsePage(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	snap := s.view.Snapshot()
	writeJSON(w, s.answers.get(snap.Version, "/api/jobs?"+q.Encode(), func() []byte {
		total, ids := snap.jobsMatching(f, offset, limit)
		o := obj{b: make([]byte, 0, 256+400*len(ids))}
		o.open('{')
		o.int("version", int64(snap.Version))
		o.int("total", int64(total))
		o.int("offset", int64(offset))
		o.int("limit", int64(limit))
		o.array("jobs")
		for _, id := range ids {
			o.next()
			snap.writeJob(&o, id, false)
		}
		o.close(']')
		o.close('}')
		return append(o.b, '\n')
	}))
}

// apiJob: the job named name (the last executed, if several are), with all
// its attempts.
func (s *Server) apiJob(w http.ResponseWriter, r *http.Request, name string) {
	snap := s.view.Snapshot()
	id, ok := snap.jobNamed(name)
	if !ok {
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("no job named %q", name))
		return
	}
	writeJSON(w, s.answers.get(snap.Version, "/api/jobs/"+name, func() []byte {
		o := obj{}
		snap.writeJob(&o, id, true)
		return append(o.b, '\n')
	}))
}

// apiTasks: the tasks, in the order their first member was executed
// (a parent before its subtasks).
func (s *Server) apiTasks(w http.ResponseWriter, r *http.Request) {
	snap := s.view.Snapshot()
	writeJSON(w, s.answers.get(snap.Version, "/api/tasks", func() []byte {
		o := obj{}
		o.open('{')
		o.int("version", int64(snap.Version))
		o.array("tasks")
		for i := 0; i < snap.tasks.len(); i++ {
			o.next()
			snap.writeTask(&o, i)
		}
		o.close(']')
		o.close('}')
		return append(o.b, '\n')
	}))
}
