package pool_test

import (
	"context"
	"testing"
	"time"

	"expool/internal/testproc"
	"expool/pool"
)

// benchPool is a pool of 2 workers on a local launcher, closed after b; it
// samples memory every memsample, if not 0.
func benchPool(b *testing.B, memsample time.Duration) *pool.Pool {
	return testproc.Pool(b, testproc.Loop(b), pool.Config{Workers: 2, MemSample: memsample})
}

// BenchmarkLoopStubs measures the event loop alone: stub jobs start no
// process, so each costs only execute, start, an event and finish.
func BenchmarkLoopStubs(b *testing.B) {
	p := benchPool(b, 0)
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
// and the loop, as `go run ./bench` compares with xargs -P2; memory is
// sampled every 0.1 s, as by default, or not.
func BenchmarkTrueJobs(b *testing.B) {
	b.Run("memsample=0.1", func(b *testing.B) { trueJobs(b, pool.DefaultMemSample) })
	b.Run("memsample=0", func(b *testing.B) { trueJobs(b, 0) })
}

func trueJobs(b *testing.B, memsample time.Duration) {
	p := benchPool(b, memsample)
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
