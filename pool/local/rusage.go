//go:build unix && !darwin

package local

import "syscall"

// maxRSSKiB is the peak resident set size in KiB, as Linux and the BSDs
// count it.
func maxRSSKiB(ru *syscall.Rusage) int64 { return int64(ru.Maxrss) }
