//go:build unix

package local_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"expool/internal/testproc"
	"expool/pool"
	"expool/pool/local"
)

func TestMain(m *testing.M) {
	testproc.RunIfChild()
	// The forker lives as long as the process, by design.
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("expool/pool/local.forker"))
}

// child is a job that runs testproc with args.
func child(name string, args ...string) *pool.Job {
	return &pool.Job{Name: name, Args: testproc.Command(args...), Env: testproc.ChildEnviron(), MaxRestarts: -1}
}

// newPool is a pool of a loop on a local launcher, both closed after t.
func newPool(t *testing.T, workers int) *pool.Pool {
	t.Helper()
	launcher := local.New()
	l, err := pool.NewLoop(launcher)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		l.Close()
	})
	return l.NewPool(pool.Config{Name: "test", Workers: workers, KillGrace: time.Second, PipeLimit: pool.DefaultPipeLimit})
}
