//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package pool

// fionread asks a pipe how many bytes it holds: FIONREAD, _IOR('f', 127, int).
const fionread = 0x4004667f

// enlargePipe cannot: the BSDs size pipes themselves.
func enlargePipe(fd uintptr) bool { return false }

func pipeClosed() { bigPipes.Add(-1) }
