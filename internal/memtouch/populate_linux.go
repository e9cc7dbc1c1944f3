package memtouch

import "golang.org/x/sys/unix"

// Populate maps n bytes that the kernel makes resident at once.
func Populate(n int) error {
	_, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE)
	return err
}
