// Package webui serves a read-only live view of a run, with --webui: a page
// (usable in a terminal browser with no scripts, updated live over
// Server-Sent Events in others) and a JSON API. A View observes the loop and
// publishes snapshots of it; the Server's handlers read only those.
//
// Where things are: view.go, the View, a pool.Observer, and its publishing;
// builder.go, the records the loop's events write; snapshot.go, what a
// Snapshot holds and the queries on it; chunks.go, the copy-on-write chunks
// of records and the log of the timeline's attempts; server.go, the Server:
// its address, its token, its routes; api.go and json.go, the JSON API;
// events.go, the event stream; page.go and page.html, the page; cache.go,
// the answers readers share; glob.go, the name filter's globs.
package webui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves a View over HTTP until Close.
type Server struct {
	view   *View
	http   *http.Server
	ln     net.Listener
	url    string
	token  string   // "" on loopback
	digest [32]byte // the token's SHA-256, compared in constant time
	cookie string   // the cookie that carries the token, named after the port

	closing chan struct{} // Close was called: the event streams end
	served  chan struct{}
	nstream chan struct{} // a slot per event stream open
	closeMu sync.Mutex    // guards closed, and streams' count going up from 0
	closed  bool
	streams sync.WaitGroup

	closeOnce sync.Once
	closeErr  error

	pageStreams atomic.Int32  // the pages' event streams open
	lastFetch   chan struct{} // a page fetched its live part once closing

	answers answerCache // made from the latest snapshot
}

// maxStreams bounds the event streams open at once: past it, a new one gets
// 503.
const maxStreams = 64

// lastFetchGrace bounds how long Close waits for the pages open to fetch
// their last live part.
const lastFetchGrace = 2 * time.Second

// ParseAddr reads --webui's [HOST:]PORT: a bare port is on the loopback
// interface, 127.0.0.1; any other host needs a token. An empty HOST (":8080")
// is every interface. PORT 0 is a free port.
func ParseAddr(spec string) (host, port string, loopback bool, err error) {
	if !strings.Contains(spec, ":") {
		host, port, loopback = "127.0.0.1", spec, true
	} else if host, port, err = net.SplitHostPort(spec); err != nil {
		return "", "", false, fmt.Errorf("want [HOST:]PORT, got %q", spec)
	}
	n, perr := strconv.Atoi(port)
	if perr != nil || n < 0 || n > 65535 || port == "" {
		return "", "", false, fmt.Errorf("want [HOST:]PORT with PORT a number from 0 to 65535, got %q", spec)
	}
	return host, port, loopback, nil
}

// Listen binds the address spec ([HOST:]PORT, see ParseAddr) and serves v
// there. An address that cannot be bound is an error, before anything runs.
func Listen(spec string, v *View) (*Server, error) {
	host, port, loopback, err := ParseAddr(spec)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			err = op.Err
			var sys *os.SyscallError
			if errors.As(err, &sys) {
				err = sys.Err
			}
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", net.JoinHostPort(host, port), err)
	}
	s := &Server{view: v, ln: ln, closing: make(chan struct{}), served: make(chan struct{}),
		nstream: make(chan struct{}, maxStreams), lastFetch: make(chan struct{}, maxStreams)}
	_, actual, _ := net.SplitHostPort(ln.Addr().String())
	s.cookie = "expool_token_" + actual
	urlHost := host
	if !loopback {
		var b [16]byte
		rand.Read(b[:]) // never fails (crypto/rand)
		s.token = hex.EncodeToString(b[:])
		s.digest = sha256.Sum256([]byte(s.token))
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			if name, err := os.Hostname(); err == nil {
				urlHost = name
			}
		}
	}
	s.url = "http://" + net.JoinHostPort(urlHost, actual) + "/"
	if s.token != "" {
		s.url += "?token=" + s.token
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		// What a client got wrong is not the run's to hear of on stderr.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(s.served)
		s.http.Serve(ln)
	}()
	return s, nil
}

// URL is where the view is, with its token if it needs one.
func (s *Server) URL() string { return s.url }

// Close ends the event streams (the view's last snapshot sent), stops
// serving and closes the port.
func (s *Server) Close() error {
	s.closeOnce.Do(s.close)
	return s.closeErr
}

func (s *Server) close() {
	// The pages open now will fetch their last live part once their stream
	// has sent the last snapshot: serve them that, a while at most, before
	// closing the port.
	pages := int(s.pageStreams.Load())
	s.view.Close()
	s.closeMu.Lock()
	s.closed = true
	s.closeMu.Unlock()
	close(s.closing)
	grace := time.After(lastFetchGrace)
	for fetched := 0; fetched < pages; fetched++ {
		select {
		case <-s.lastFetch:
		case <-grace:
			fetched = pages
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		s.closeErr = s.http.Close()
	}
	<-s.served
	s.streams.Wait()
}

// ServeHTTP answers a request: with its token if the view needs one, GET or
// HEAD only, on the paths of the page and the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	if !s.authorized(w, r) {
		return
	}
	route, ok := s.route(r.URL.Path)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "no such page: "+r.URL.Path)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		s.fail(w, r, http.StatusMethodNotAllowed, "the web view is read-only: only GET and HEAD, not "+r.Method)
		return
	}
	route(w, r)
}

// route is the handler of path.
func (s *Server) route(path string) (http.HandlerFunc, bool) {
	switch path {
	case "/":
		return s.page, true
	case "/api/summary":
		return s.apiSummary, true
	case "/api/jobs":
		return s.apiJobs, true
	case "/api/tasks":
		return s.apiTasks, true
	case "/api/events":
		return s.events, true
	}
	if name, ok := strings.CutPrefix(path, "/api/jobs/"); ok && name != "" {
		return func(w http.ResponseWriter, r *http.Request) { s.apiJob(w, r, name) }, true
	}
	return nil, false
}

// authorized checks the request's token, if the view needs one: in the
// query (token=), which then sets a cookie for the page's own requests, in
// the cookie, or as a bearer token. It is compared in constant time (the
// SHA-256 digests, so that neither its length nor a matching prefix shows).
// Without a token, on loopback, the request must name a loopback host, so
// that another site cannot reach the view by rebinding a name of its own to
// 127.0.0.1.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.token == "" {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		ip := net.ParseIP(strings.Trim(host, "[]"))
		if host == "localhost" || ip != nil && ip.IsLoopback() {
			return true
		}
		s.fail(w, r, http.StatusForbidden, "the web view answers to its loopback address only, not to "+r.Host)
		return false
	}
	got, fromQuery := r.URL.Query().Get("token"), true
	if got == "" {
		fromQuery = false
		if c, err := r.Cookie(s.cookie); err == nil {
			got = c.Value
		} else if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			got = a
		}
	}
	if !s.tokenOK(got) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="expool"`)
		s.fail(w, r, http.StatusUnauthorized, "this web view needs its token: open the address expool printed (…/?token=…)")
		return false
	}
	if fromQuery {
		http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	return true
}

// tokenOK compares got with the token in constant time.
func (s *Server) tokenOK(got string) bool {
	d := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(d[:], s.digest[:]) == 1
}

// fail answers with an error: JSON ({"error": message}) under /api/, else
// text.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		o := obj{}
		o.open('{')
		o.str("error", msg)
		o.close('}')
		w.Write(append(o.b, '\n'))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, "expool: %s\n", msg)
}
