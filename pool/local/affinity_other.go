//go:build unix && (!linux || expool_portable)

package local

import (
	"errors"
	"os/exec"
)

// errNoAffinity: pinning jobs to CPUs refuses to work rather than do nothing.
var errNoAffinity = errors.New("expool pins jobs to CPUs only on Linux, with its Linux launcher")

// CPUGroups refuses: see errNoAffinity.
func (l *Launcher) CPUGroups(n int) ([][]int, error) { return nil, errNoAffinity }

// startPinned starts cmd, which cannot be pinned here.
func startPinned(cmd *exec.Cmd, cpus []int) error {
	if len(cpus) > 0 {
		return errNoAffinity
	}
	return cmd.Start()
}
