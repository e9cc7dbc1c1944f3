package slurm

import (
	"os"
	"runtime"
	"sync"
	"syscall"
)

// srun is started from one goroutine locked to its OS thread for the life of
// expool, with Pdeathsig SIGTERM: the kernel sends it when the thread that
// forked a child ends (not the process), and Go may end other threads. So
// if expool dies, even of SIGKILL, each srun gets SIGTERM, and ends its job.
var (
	forkerOnce sync.Once
	forks      chan func()
)

// start starts srun (argv[0] is shown, path is run) in a process group of its
// own, so that a signal to expool's group (Ctrl-C) does not reach it, and
// returns its pid, unreaped.
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
			Sys:   &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM},
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
