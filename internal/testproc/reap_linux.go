package testproc

import (
	"fmt"
	"os"
	"os/exec"
	"time"

	"golang.org/x/sys/unix"
)

// reap is the action reap: see the package doc.
func reap(args []string) int {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fail(err)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return fail(err)
	}
	// Reap everything, CMD included: wait4(-1) takes CMD's status too.
	code := -1
	var deadline time.Time
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		switch {
		case err == unix.ECHILD:
			return code
		case err != nil && err != unix.EINTR:
			return fail(err)
		case pid == cmd.Process.Pid:
			code = ws.ExitStatus()
			if ws.Signaled() {
				code = 128 + int(ws.Signal())
			}
			deadline = time.Now().Add(30 * time.Second)
		case pid == 0:
			if !deadline.IsZero() && time.Now().After(deadline) {
				fmt.Fprintf(os.Stderr, "testproc reap: descendants still alive 30s after %s ended\n", args[0])
				return 125
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
