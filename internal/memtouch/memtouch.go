// Package memtouch makes memory resident and reads how much is, for the
// processes of the tests and of the benchmarks that stand for memory-hungry
// jobs.
package memtouch

import (
	"bytes"
	"os"
	"strconv"
)

// ResidentKiB is the process's resident memory, from /proc/self/statm; -1
// where that cannot be read.
func ResidentKiB() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return -1
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return -1
	}
	pages, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return pages * int64(os.Getpagesize()) >> 10
}
