//go:build !linux

package slurm

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcAttr is how srun is started: in a process group of its own, so
// that a signal to expool's group (Ctrl-C) does not reach it. Without
// Linux's Pdeathsig, an srun outlives a killed expool; its watchdog still
// cancels the run's jobs.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// waitSrun waits for srun, process pid, to exit, reaps it, calls exited,
// and returns its wait status. (Between the reaping and exited, a signal
// could reach a process that reused the pid: a window of microseconds that
// only Linux's waitid(WNOWAIT) closes.)
func waitSrun(pid int, exited func()) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err != unix.EINTR {
			exited()
			return ws, err
		}
	}
}
