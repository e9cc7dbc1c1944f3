package luaapi

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"expool/pool"
)

// fakeLauncher runs make-believe processes, so that tests of the Lua API run
// thousands of jobs a second without forking. args[0] says what a process
// does:
//
//	true, false     exit 0 or 1 at once
//	sleep S         exit 0 after S seconds (at most 0.1), or when signalled
//	stubborn S      the same, but SIGTERM does not end it
//	echo WORDS...   write the words to stdout, exit 0
//	missing         cannot start: not found
type fakeLauncher struct{ pids atomic.Int64 }

const maxFakeRun = 100 * time.Millisecond

func (f *fakeLauncher) Launch(c *pool.Command) (pool.Process, error) {
	p := &fakeProcess{pid: int(f.pids.Add(1)) + 1<<22, done: make(chan struct{})}
	run := time.Duration(0)
	switch c.Args[0] {
	case "true":
	case "false":
		p.code = 1
	case "sleep", "stubborn":
		p.ignoreTerm = c.Args[0] == "stubborn"
		if len(c.Args) > 1 {
			s, _ := strconv.ParseFloat(c.Args[1], 64)
			run = min(time.Duration(s*float64(time.Second)), maxFakeRun)
		}
	case "echo":
		fmt.Fprintln(c.Stdout, strings.Join(c.Args[1:], " "))
	case "missing":
		return nil, fmt.Errorf("exec: %q: executable file not found in $PATH", c.Args[0])
	default:
		return nil, fmt.Errorf("fake launcher: unknown program %q", c.Args[0])
	}
	p.mu.Lock()
	p.timer = time.AfterFunc(run, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.end(p.code)
	})
	p.mu.Unlock()
	return p, nil
}

type fakeProcess struct {
	pid        int
	ignoreTerm bool
	done       chan struct{}

	mu     sync.Mutex
	code   int
	exited bool
	timer  *time.Timer
}

func (p *fakeProcess) Pid() int { return p.pid }

// end ends the process with code; p.mu is held.
func (p *fakeProcess) end(code int) {
	if p.exited {
		return
	}
	p.exited = true
	p.code = code
	if p.timer != nil {
		p.timer.Stop()
	}
	close(p.done)
}

func (p *fakeProcess) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return os.ErrProcessDone
	}
	if sig == syscall.SIGKILL || !p.ignoreTerm {
		p.end(-int(sig))
	}
	return nil
}

func (p *fakeProcess) Wait() (pool.Exit, error) {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return pool.Exit{Code: p.code}, nil
}
