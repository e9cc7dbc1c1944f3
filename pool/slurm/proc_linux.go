package slurm

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcAttr is how srun is started: in a process group of its own, so
// that a signal to expool's group (Ctrl-C) does not reach it; and with
// Pdeathsig SIGTERM, so that if expool dies, even of SIGKILL, srun gets
// SIGTERM and ends its job (see start).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// waitSrun waits for srun, process pid, to exit, calls exited while it is
// not reaped yet (its pid cannot be reused, so it may still be signalled
// until then), reaps it and returns its wait status.
func waitSrun(pid int, exited func()) (unix.WaitStatus, error) {
	err := waitExit(pid)
	exited()
	if err != nil {
		return 0, err
	}
	var ws unix.WaitStatus
	_, err = unix.Wait4(pid, &ws, 0, nil)
	return ws, err
}

// waitExit waits for process pid to exit, without reaping it. It waits in
// Go's poller on a pidfd, so that thousands of sruns do not hold a thread
// each, where the kernel allows (Linux 5.10).
func waitExit(pid int) error {
	if fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK); err == nil {
		f := os.NewFile(uintptr(fd), "pidfd")
		defer f.Close()
		if rc, err := f.SyscallConn(); err == nil {
			var werr error
			var info unix.Siginfo
			err = rc.Read(func(fd uintptr) bool {
				werr = unix.Waitid(unix.P_PIDFD, int(fd), &info, unix.WEXITED|unix.WNOWAIT, nil)
				return werr != unix.EAGAIN && werr != unix.EINTR
			})
			if err == nil && werr == nil {
				return nil
			}
		}
	}
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return err
		}
	}
}
