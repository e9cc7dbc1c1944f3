package webui

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"expool/pool"
)

// benchView is a view of n finished jobs (a third of them failed), served.
func benchView(b *testing.B, n int) *Server {
	b.Helper()
	fl := newFakeLauncher()
	v := NewView("bench.lua")
	srv, err := Listen("0", v)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	loop, _ := pool.NewLoop(fl)
	loop.Observers = []pool.Observer{v}
	p, _ := loop.NewPool(pool.Config{Name: "bench", Workers: 4})
	task := &pool.Task{Name: "sweep"}
	for i := 0; i < n; i++ {
		j := &pool.Job{Name: fmt.Sprintf("trial-%05d", i), Task: task, MaxRestarts: -1, Timeout: time.Minute}
		if i%3 == 0 {
			j.Args = []string{"missing"}
		}
		p.Execute(j)
	}
	p.Join(context.Background(), 0)
	loop.Close()
	waitView(b, v, "every job finished", func(s *Snapshot) bool { return s.Finished == n })
	return srv
}

func benchGet(b *testing.B, srv *Server, path string) {
	client := &http.Client{}
	url := srv.URL() + path
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func BenchmarkAPIJobs100(b *testing.B) { benchGet(b, benchView(b, 2000), "api/jobs?limit=100") }

func BenchmarkAPIJobsRunning(b *testing.B) {
	benchGet(b, benchView(b, 2000), "api/jobs?status=running")
}

func BenchmarkAPISummary(b *testing.B) { benchGet(b, benchView(b, 2000), "api/summary") }

func BenchmarkPageLive(b *testing.B) { benchGet(b, benchView(b, 2000), "?part=live") }

// The JSON of 100 jobs alone, without HTTP.
func BenchmarkWriteJobs(b *testing.B) {
	srv := benchView(b, 2000)
	s := srv.view.Snapshot()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o := obj{b: make([]byte, 0, 32<<10)}
		for id := int32(0); id < 100; id++ {
			s.writeJob(&o, id, false)
		}
	}
}

// What the view costs the loop: stub jobs, with the view observing and
// without.
func BenchmarkLoopStubs(b *testing.B) {
	for _, web := range []bool{false, true} {
		b.Run(fmt.Sprintf("view=%v", web), func(b *testing.B) {
			loop, _ := pool.NewLoop(newFakeLauncher())
			defer loop.Close()
			if web {
				v := NewView("bench.lua")
				defer v.Close()
				loop.Observers = []pool.Observer{v}
			}
			p, _ := loop.NewPool(pool.Config{Name: "bench", Workers: 2})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p.Execute(&pool.Job{Name: "stub", MaxRestarts: -1})
				if i%1000 == 999 {
					p.Join(context.Background(), 0)
				}
			}
			p.Join(context.Background(), 0)
		})
	}
}

// The handler of /api/jobs alone, without the network.
func BenchmarkHandlerJobs100(b *testing.B) {
	srv := benchView(b, 2000)
	req := httptest.NewRequest("GET", "/api/jobs?limit=100", nil)
	req.Host = "127.0.0.1"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
	}
}
