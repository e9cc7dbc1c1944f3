package main

import "golang.org/x/sys/unix"

// populate maps n bytes that the kernel makes resident at once.
func populate(n int) error {
	_, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE)
	return err
}
