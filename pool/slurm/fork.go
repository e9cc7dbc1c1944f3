package slurm

import (
	"os"
	"runtime"
	"sync"
)

// srun is started from one goroutine locked to its OS thread for the life of
// expool, with Pdeathsig SIGTERM where there is one (Linux): the kernel sends
// it when the thread that forked a child ends (not the process), and Go may
// end other threads. So if expool dies, even of SIGKILL, each srun gets
// SIGTERM, and ends its job.
var (
	forkerOnce sync.Once
	forks      chan func()
)

// start starts srun (argv[0] is shown, path is run), as sysProcAttr says,
// and returns its pid, unreaped.
func start(path string, argv, env []string, files []*os.File) (int, error) {
	forkerOnce.Do(func() {
		forks = make(chan func())
		go forker()
	})
	var p *os.Process
	var err error
	done := make(chan struct{})
	forks <- func() {
		defer close(done)
		p, err = os.StartProcess(path, argv, &os.ProcAttr{
			Env:   env,
			Files: files,
			Sys:   sysProcAttr(),
		})
	}
	<-done
	if err != nil {
		return 0, err
	}
	pid := p.Pid
	p.Release() // waited for by pid (see waitExit)
	return pid, nil
}

func forker() {
	runtime.LockOSThread() // never unlocked: the thread lives as long as expool
	for f := range forks {
		f()
	}
}
