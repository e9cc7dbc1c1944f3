//go:build !expool_portable

package local

// SaturateHeldFDs has the samplers hold no more descriptors open, as if they
// held their maximum, until the function it returns is called.
func SaturateHeldFDs() (restore func()) {
	n := int64(heldFDsMax())
	heldFDs.Add(n)
	return func() { heldFDs.Add(-n) }
}

// HeldFDs is how many descriptors the samplers hold open.
func HeldFDs() int64 { return heldFDs.Load() }
