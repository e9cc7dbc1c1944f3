// Command expool runs experiment jobs, OS processes, in a bounded pool with a
// timeout per job, scripted in Lua. See README.md.
package main

import (
	"os"

	"expool/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
