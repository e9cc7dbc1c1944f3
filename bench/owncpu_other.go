//go:build !linux

package main

import (
	"errors"
	"time"
)

// ownCPU would return the CPU time the process pid used itself, which the
// harness reads from Linux's /proc.
func ownCPU(pid int) (time.Duration, error) {
	return 0, errors.New("expool's own CPU time is read from Linux's /proc")
}
