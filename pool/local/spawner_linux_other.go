//go:build !expool_portable && !amd64 && !arm64

package local

// spawnerELF: no spawner is built for this architecture; jobs are forked
// directly.
var spawnerELF []byte
