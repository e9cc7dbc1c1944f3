package pool_test

import (
	"context"
	"testing"

	"expool/internal/testproc"
	"expool/pool"
)

// benchPool is a pool of 2 workers on a local launcher, closed after b.
func benchPool(b *testing.B) *pool.Pool {
	return testproc.Loop(b).NewPool(pool.Config{Workers: 2})
}

// BenchmarkLoopStubs measures the event loop alone: stub jobs start no
// process, so each costs only execute, start, an event and finish.
func BenchmarkLoopStubs(b *testing.B) {
	p := benchPool(b)
	b.ReportAllocs()
	for b.Loop() {
		j := &pool.Job{Name: "stub", MaxRestarts: -1}
		if err := p.Execute(j); err != nil {
			b.Fatal(err)
		}
		if _, err := p.Join(context.Background(), 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrueJobs runs /bin/true on 2 workers: process start, wait, reaping
// and the loop, as `go run ./bench` compares with xargs -P2.
func BenchmarkTrueJobs(b *testing.B) {
	p := benchPool(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Execute(&pool.Job{Name: "true", Args: []string{"true"}, MaxRestarts: -1}); err != nil {
			b.Fatal(err)
		}
		if p.Pending() > 2 {
			p.Join(context.Background(), 0)
		}
	}
	p.Join(context.Background(), 0)
}
