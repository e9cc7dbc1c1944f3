// Command expool runs experiment jobs, OS processes, in a bounded pool with a
// timeout per job, scripted in Lua. See README.md.
package main

import (
	"os"
	"runtime/debug"

	"expool/cli"
)

// gcPercent is Go's GOGC for expool, unless the environment sets it: a
// script that executes many jobs makes garbage (a Lua table per Job{...})
// faster than it keeps memory, and at Go's 100 the collector takes a
// quarter of its time (BENCHMARKS.md, 100,000 jobs executed before join).
const gcPercent = 150

func main() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
