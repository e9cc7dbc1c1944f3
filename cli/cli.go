// Package cli is expool's command line: its options, where the script comes
// from, the signals it handles and its exit status.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"expool/luaapi"
	"expool/pool"
)

// Version is expool's version.
const Version = "0.1.0"

// watchdogFlag runs expool as its own watchdog; it is not for users.
const watchdogFlag = "--watchdog"

const usage = `usage: expool [options] script.lua [args...]
       expool [options] -e 'lua code' [args...]
       expool [options] -          (the script from standard input)

expool runs a Lua script that schedules OS processes as Jobs, optionally
grouped into Tasks, on ExecPools of bounded size, with a timeout per job.
The script's arguments are arg[1..n] and the main chunk's "...".

Options:
  -e CODE        run CODE rather than a script file
  -h, --help     show this help and exit
  --version      show the version and exit

On SIGINT, SIGTERM, SIGHUP or SIGQUIT expool terminates every job (SIGTERM to
its process group, SIGKILL after the pool's killgrace), runs their onfinish
callbacks and exits with 128 + the signal number; a second signal kills at once.

Exit status: 0 when the script ran to its end without error (whatever its
jobs returned), the code given to os.exit, 1 on a script or callback error,
2 on bad usage, 128+N on signal N.

The Lua API: README.md, or 'go doc expool/luaapi'.
`

// Main runs expool with the command-line arguments args (without the program
// name) and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[0] == watchdogFlag {
		// expool runs itself as its watchdog (see pool.Watchdog).
		pid, err := strconv.Atoi(args[1])
		if err != nil {
			return usageError(stderr, "--watchdog needs expool's pid")
		}
		pool.Watchdog(pid, stdin)
		return 0
	}
	fs := flag.NewFlagSet("expool", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	code := fs.String("e", "", "")
	var help, version bool
	fs.BoolVar(&help, "h", false, "")
	fs.BoolVar(&help, "help", false, "")
	fs.BoolVar(&version, "version", false, "")
	opts, afterCode := splitAtCode(fs, args)
	if err := fs.Parse(opts); err != nil {
		return usageError(stderr, optionError(err, args))
	}
	codeGiven := false
	fs.Visit(func(f *flag.Flag) { codeGiven = codeGiven || f.Name == "e" })
	switch {
	case help:
		fmt.Fprint(stdout, usage)
		return 0
	case version:
		fmt.Fprintf(stdout, "expool %s\n", versionString())
		return 0
	}

	rest := append(fs.Args(), afterCode...)
	var name string
	var src []byte
	switch {
	case codeGiven:
		name, src = "(command line)", []byte(*code)
	case len(rest) == 0:
		return usageError(stderr, "no script given")
	case rest[0] == "-":
		var err error
		if src, err = io.ReadAll(stdin); err != nil {
			fmt.Fprintf(stderr, "expool: reading the script from standard input: %v\n", err)
			return 2
		}
		name, rest = "stdin", rest[1:]
	default:
		var err error
		if src, err = os.ReadFile(rest[0]); err != nil {
			return usageError(stderr, "cannot read the script: "+pathError(err))
		}
		name, rest = rest[0], rest[1:]
	}

	executable, err := os.Executable()
	if err != nil {
		executable = os.Args[0]
	}
	launcher := pool.NewLocal()
	launcher.Watchdog = []string{executable, watchdogFlag}
	script, err := luaapi.New(luaapi.Options{Stdout: stdout, Stderr: stderr, Executable: executable, Launcher: launcher})
	if err != nil {
		fmt.Fprintf(stderr, "expool: %v\n", err)
		return 1
	}
	defer script.Close()

	stop := handleSignals(script)
	defer stop()
	return script.Run(name, src, rest)
}

// splitAtCode splits args after -e CODE: like python -c, -e ends expool's
// options, and what follows is the code's arguments, dashes or not.
func splitAtCode(fs *flag.FlagSet, args []string) (opts, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-" || !strings.HasPrefix(a, "-") {
			break // the script: the flag package stops here too
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "e" {
			end := i + 1
			if !hasValue {
				end = min(i+2, len(args))
			}
			return args[:end], args[end:]
		}
		if f := fs.Lookup(name); f != nil && !hasValue && !isBoolFlag(f) {
			i++ // skip the option's value
		}
	}
	return args, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// handleSignals passes SIGINT, SIGTERM, SIGHUP and SIGQUIT to the script
// until stop is called. SIGPIPE is caught too, so that a closed stdout makes
// writes fail rather than kill expool and orphan its jobs.
func handleSignals(script *luaapi.Script) (stop func()) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case sig := <-sigs:
				script.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		signal.Stop(pipe)
		close(done)
		<-finished
	}
}

func usageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "expool: %s (see expool --help)\n", msg)
	return 2
}

// optionError rewords the flag package's errors, naming the option as typed.
func optionError(err error, args []string) string {
	msg := err.Error()
	asTyped := func(name string) string {
		for _, a := range args {
			if a == "-"+name || a == name || strings.HasPrefix(a, "-"+name+"=") {
				return strings.SplitN(a, "=", 2)[0]
			}
		}
		return name
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return "unknown option " + asTyped(name)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return "option " + asTyped(name) + " needs an argument"
	}
	return msg
}

func pathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}

func versionString() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return Version
}
