//go:build race

package tests

// raceEnabled: the race detector multiplies memory use.
const raceEnabled = true
