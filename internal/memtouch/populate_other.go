//go:build unix && !linux

package memtouch

import (
	"os"

	"golang.org/x/sys/unix"
)

// Populate maps n bytes and writes a byte of each page, to make it resident.
func Populate(n int) error {
	b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return err
	}
	for i := 0; i < n; i += os.Getpagesize() {
		b[i] = 1
	}
	return nil
}
