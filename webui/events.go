package webui

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The event stream, /api/events (Server-Sent Events). For each snapshot it
// sends:
//
//	event: jobs      {"version": V, "jobs": [the jobs that changed, as /api/jobs has them]}
//	event: tasks     {"version": V, "tasks": [the tasks that changed]}
//	event: summary   as /api/summary; id: RUN.V, the run and the version
//
// A new stream starts with the summary alone: its reader fetches /api/jobs
// and /api/tasks, then applies the changes (each job or task whole, the
// latest state). A stream that reconnects with Last-Event-ID gets what
// changed since; if that is no longer known (it missed more than changesKept
// snapshots, or more than maxChanged jobs changed, or the id is another
// run's), it gets
//
//	event: resync    {"version": V}: fetch /api/jobs and /api/tasks again
//
// and goes on from there. A stream that falls behind skips to the latest
// snapshot, with what changed since the one it sent last; one whose reader
// reads nothing for writeTimeout is dropped. The publisher never waits for a
// stream. When the run is over the stream ends with "event: end".
// ?only=summary sends the summaries alone (the page needs no more).

const (
	pingEvery  = 15 * time.Second // a comment, so that proxies keep the stream open
	maxChanged = 5000             // jobs (or tasks) changed that one event sends at most
)

// writeTimeout is how long a stream may take to take an event in, before it
// is dropped (a variable, for the tests).
var writeTimeout = 10 * time.Second

// snapCache holds what the streams send of a snapshot, made once for all
// of them: most streams are one snapshot behind.
type snapCache struct {
	summaryOnce sync.Once
	summary     []byte
	stepOnce    sync.Once
	step        []byte // the jobs and tasks events since the snapshot before
}

// summaryEvent is the summary event of the snapshot, which carries its id.
func (s *Snapshot) summaryEvent() []byte {
	c := s.cache
	c.summaryOnce.Do(func() {
		o := obj{b: []byte("event: summary\nid: " + s.eventID() + "\ndata: ")}
		s.writeSummary(&o, time.Now())
		c.summary = append(o.b, "\n\n"...)
	})
	return c.summary
}

// eventID is the id of the snapshot's events: its run (its start) and its
// version, so that a stream that reconnects to another run is not sent
// another's changes.
func (s *Snapshot) eventID() string {
	return s.run() + "." + strconv.FormatUint(s.Version, 10)
}

func (s *Snapshot) run() string { return strconv.FormatInt(s.Start.UnixNano(), 36) }

// changeEvents are the jobs and tasks events of what changed after version
// v, or a resync event.
func (s *Snapshot) changeEvents(v uint64) []byte {
	if v+1 == s.Version {
		c := s.cache
		c.stepOnce.Do(func() { c.step = s.makeChangeEvents(v) })
		return c.step
	}
	return s.makeChangeEvents(v)
}

func (s *Snapshot) makeChangeEvents(v uint64) []byte {
	jobs, tasks, ok := s.changesSince(v)
	ver := strconv.FormatUint(s.Version, 10)
	if !ok || len(jobs) > maxChanged {
		return []byte("event: resync\ndata: {\"version\":" + ver + "}\n\n")
	}
	var b []byte
	if len(jobs) > 0 {
		o := obj{b: append(make([]byte, 0, 64+300*len(jobs)), "event: jobs\ndata: "...)}
		o.open('{')
		o.int("version", int64(s.Version))
		o.array("jobs")
		for _, id := range jobs {
			o.next()
			s.writeJob(&o, id, false)
		}
		o.close(']')
		o.close('}')
		b = append(o.b, "\n\n"...)
	}
	if len(tasks) > 0 {
		o := obj{b: append(b, "event: tasks\ndata: "...)}
		o.open('{')
		o.int("version", int64(s.Version))
		o.array("tasks")
		for _, id := range tasks {
			o.next()
			s.writeTask(&o, int(id))
		}
		o.close(']')
		o.close('}')
		b = append(o.b, "\n\n"...)
	}
	return b
}

// events serves /api/events.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	summaryOnly := false
	switch only := r.URL.Query().Get("only"); only {
	case "":
	case "summary":
		summaryOnly = true
	default:
		s.fail(w, r, http.StatusBadRequest, "only: want summary, got "+strconv.Quote(only))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	select {
	case s.nstream <- struct{}{}:
		defer func() { <-s.nstream }()
	default:
		s.fail(w, r, http.StatusServiceUnavailable, "too many event streams open")
		return
	}
	if !s.streamStarts() {
		return
	}
	defer s.streams.Done()
	if summaryOnly {
		s.pageStreams.Add(1)
		defer s.pageStreams.Add(-1)
	}

	rc := http.NewResponseController(w)
	send := func(b []byte) bool {
		rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	notify, stop := s.view.subscribe()
	defer stop()
	// Resumed: what changed since the last event the reader had, a resync
	// if it was another run's (sent 0).
	var sent uint64
	resumed := false
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		resumed = true
		if run, v, ok := strings.Cut(id, "."); ok && run == s.view.Snapshot().run() {
			sent, _ = strconv.ParseUint(v, 10, 64)
		}
	}
	w.WriteHeader(http.StatusOK)
	if !send([]byte("retry: 3000\n\n")) {
		return
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	closing := false
	for {
		snap := s.view.Snapshot()
		if snap.Version != sent {
			var b []byte
			if resumed && !summaryOnly {
				b = append(b, snap.changeEvents(sent)...)
			}
			b = append(b, snap.summaryEvent()...)
			if !send(b) {
				return
			}
			sent, resumed = snap.Version, true
		}
		if snap.Over || closing {
			send([]byte("event: end\ndata: {}\n\n"))
			return
		}
		select {
		case <-notify:
		case <-ping.C:
			if !send([]byte(": ping\n\n")) {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.closing:
			closing = true // send the last snapshot, then end
		}
	}
}

// streamStarts counts a stream in, unless the server is closing.
func (s *Server) streamStarts() bool {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return false
	}
	s.streams.Add(1)
	return true
}
