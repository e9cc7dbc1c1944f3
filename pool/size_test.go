package pool

import (
	"testing"
	"unsafe"
)

// A queued job costs its Job: keep it within the 256-byte size class (the
// 100,000-job benchmark of BENCHMARKS.md depends on it).
func TestJobSize(t *testing.T) {
	if size := unsafe.Sizeof(Job{}); size > 256 {
		t.Errorf("a Job is %d bytes, over 256", size)
	}
}
