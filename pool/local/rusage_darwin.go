package local

import "syscall"

// maxRSSKiB is the peak resident set size in KiB: macOS counts it in bytes.
func maxRSSKiB(ru *syscall.Rusage) int64 { return ru.Maxrss >> 10 }
