package pool

import "golang.org/x/sys/unix"

// fionread asks a pipe how many bytes it holds.
const fionread = unix.TIOCINQ

// Busy pipes are enlarged to this (the default of fs.pipe-max-size), so that
// a job that writes fast never waits for a capture that reads once per
// pipePace. At most maxBigPipes at once: what pipes hold counts against a
// user's fs.pipe-user-pages-soft (64 MiB by default), past which the kernel
// gives every new pipe of that user, jobs' own included, two pages.
const (
	bigPipe     = 1 << 20
	maxBigPipes = 16
)

// enlargePipe makes pipe fd bigPipe bytes, if it can; it reports whether it
// did, and then the caller calls shrunk when the pipe is closed.
func enlargePipe(fd uintptr) bool {
	if bigPipes.Add(1) > maxBigPipes {
		bigPipes.Add(-1)
		return false
	}
	if _, err := unix.FcntlInt(fd, unix.F_SETPIPE_SZ, bigPipe); err != nil {
		bigPipes.Add(-1)
		return false
	}
	return true
}

func pipeClosed() { bigPipes.Add(-1) }
