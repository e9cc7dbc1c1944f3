//go:build unix && (!linux || expool_portable)

package local

import (
	"errors"
	"time"
)

// sampler: there is none here; memory limits refuse to work rather than do
// nothing.
type sampler struct{}

// MemoryError says why the launcher cannot sample its jobs' memory: it reads
// Linux's /proc, with the Linux launcher.
func (l *Launcher) MemoryError() error {
	return errors.New("expool samples memory only on Linux, with its Linux launcher")
}

func (l *Launcher) track(n uint64, lead int, every time.Duration, report func(int64)) {}

func (l *Launcher) untrack(n uint64) {}

func (l *Launcher) stopSampling() {}

// FDsReserved is 0: the launcher samples no memory here.
func (l *Launcher) FDsReserved() int { return 0 }
