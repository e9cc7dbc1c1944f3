// Command memhog is the memory-hungry job of the benchmarks: it grows its
// resident memory by steps, holds it, and exits 0; it writes down when it
// grew and when SIGTERM came, so that the harness can tell how soon after a
// job crossed a memory limit it was signalled.
//
//	memhog -step MIB -every SECONDS -max MIB [-hold SECONDS] [-log FILE]
//
// Each step maps MIB MiB and makes it resident (on Linux, the kernel
// touches every page: MAP_POPULATE); with -log, FILE gets "grew UNIXNANO RSS_KIB" after each
// step and "term UNIXNANO" when SIGTERM comes, which then ends memhog as
// it would have without a handler.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"expool/internal/memtouch"
)

func main() {
	step := flag.Int("step", 4, "MiB per step")
	every := flag.Duration("every", 5*time.Millisecond, "time between steps")
	most := flag.Int("max", 100, "MiB in all")
	hold := flag.Duration("hold", time.Second, "how long to hold the memory")
	logPath := flag.String("log", "", "where to write down the steps and SIGTERM")
	flag.Parse()
	var log *os.File
	if *logPath != "" {
		var err error
		if log, err = os.OpenFile(*logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666); err != nil {
			fmt.Fprintln(os.Stderr, "memhog:", err)
			os.Exit(2)
		}
		terms := make(chan os.Signal, 1)
		signal.Notify(terms, syscall.SIGTERM)
		go func() {
			<-terms
			fmt.Fprintf(log, "term %d %d\n", time.Now().UnixNano(), os.Getpid())
			signal.Reset(syscall.SIGTERM)
			syscall.Kill(os.Getpid(), syscall.SIGTERM)
		}()
	}
	tick := time.NewTicker(*every)
	for grown := 0; grown+*step <= *most; grown += *step {
		<-tick.C
		if err := memtouch.Populate(*step << 20); err != nil {
			fmt.Fprintln(os.Stderr, "memhog:", err)
			os.Exit(1)
		}
		if log != nil {
			fmt.Fprintf(log, "grew %d %d %d\n", time.Now().UnixNano(), os.Getpid(), memtouch.ResidentKiB())
		}
	}
	tick.Stop()
	time.Sleep(*hold)
}
