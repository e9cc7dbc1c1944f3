//go:build !expool_portable

package local

import (
	"strings"
	"testing"
	"time"

	"expool/pool"
)

// Without /proc (another OS, or one mounted with hidepid that hides even
// expool's own), memory limits refuse to work, at the pool and at the job,
// rather than do nothing.
func TestMemoryErrorWithoutProc(t *testing.T) {
	saved := procDir
	procDir = t.TempDir()
	defer func() { procDir = saved }()
	l := New()
	defer l.Close()
	err := l.MemoryError()
	if err == nil || !strings.Contains(err.Error(), "expool cannot sample memory here") {
		t.Fatalf("MemoryError: %v", err)
	}
	loop, err := pool.NewLoop(l)
	if err != nil {
		t.Fatal(err)
	}
	defer loop.Close()
	if _, err := loop.NewPool(pool.Config{Workers: 1, MemSample: time.Second, MemLimit: 1 << 30}); err == nil || !strings.Contains(err.Error(), "memlimit: expool cannot sample memory here") {
		t.Errorf("a pool with a memory limit: %v", err)
	}
	p, err := loop.NewPool(pool.Config{Workers: 1, MemSample: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	j := &pool.Job{Name: "j", Args: []string{"true"}, Extra: &pool.JobExtra{MemLimit: 1 << 30}}
	if err := p.Execute(j); err == nil || !strings.Contains(err.Error(), `job "j": memlimit: expool cannot sample memory here`) {
		t.Errorf("a job with a memory limit: %v", err)
	}
	if err := loop.MemoryError(); err == nil {
		t.Errorf("the loop's MemoryError is nil")
	}
}
