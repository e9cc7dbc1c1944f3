// Command expool runs experiment jobs, OS processes, in a bounded pool with a
// timeout per job, scripted in Lua. See README.md.
package main

import (
	"os"
	"runtime/pprof"

	"expool/cli"
)

func main() {
	if p := os.Getenv("EXPOOL_CPUPROFILE"); p != "" {
		f, _ := os.Create(p)
		pprof.StartCPUProfile(f)
		code := cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(code)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
