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

	"golang.org/x/term"

	"expool/luaapi"
	"expool/pool"
	"expool/pool/local"
	"expool/records"
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
  -e CODE           run CODE rather than a script file
  -j N              the workers of pools created without a number of them
                    (default: cpu_count()-1, at least 1)
  --joblog FILE     append a tab-separated line per job attempt to FILE, as
                    each attempt ends (a header first if FILE is new); what
                    an attempt captured (PIPE) is saved beside it, in FILE.out
  --resume          with --joblog: a job whose name has a "done" line in FILE
                    does not run again: it ends "done" at once with what it
                    had then (times, rusage, captured output), job.resumed
                    true, and its ondone and onfinish run; each line serves
                    one job
  --progress        draw a live progress line on stderr even if it is not a
                    terminal (by default: only if it is); while it is drawn,
                    output is written above it, a whole line at a time
  --no-progress     draw none
  --summary         write a summary of the run on stderr at the end (by
                    default: only if the progress line was drawn)
  --timeline FILE   write to FILE a page that draws the run: a row per
                    worker slot, a bar per attempt
  -h, --help        show this help and exit
  --version         show the version and exit

On SIGINT, SIGTERM, SIGHUP or SIGQUIT expool terminates every job (SIGTERM to
its process group, SIGKILL after the pool's killgrace), runs their onfinish
callbacks and exits with 128 + the signal number; a second signal kills at once.

Jobs that could not start (status "error") are reported on stderr.

Exit status: 0 when the script ran to its end without error (whatever its
jobs returned), the code given to os.exit, 1 on a script or callback error,
2 on bad usage, 128+N on signal N; 74 rather than 0 when the job log, the
output saved beside it or the timeline could not all be written.

The Lua API: README.md, or 'go doc expool/luaapi'.
`

// Main runs expool with the command-line arguments args (without the program
// name) and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[0] == watchdogFlag {
		// expool runs itself as its watchdog (see local.Watchdog).
		pid, err := strconv.Atoi(args[1])
		if err != nil {
			return usageError(stderr, "--watchdog needs expool's pid")
		}
		local.Watchdog(pid, stdin)
		return 0
	}
	fs := flag.NewFlagSet("expool", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	code := fs.String("e", "", "")
	var help, version bool
	fs.BoolVar(&help, "h", false, "")
	fs.BoolVar(&help, "help", false, "")
	fs.BoolVar(&version, "version", false, "")
	var rec recordOptions
	fs.IntVar(&rec.workers, "j", 0, "")
	fs.StringVar(&rec.joblog, "joblog", "", "")
	fs.BoolVar(&rec.resume, "resume", false, "")
	fs.BoolVar(&rec.progress, "progress", false, "")
	fs.BoolVar(&rec.noProgress, "no-progress", false, "")
	fs.BoolVar(&rec.summary, "summary", false, "")
	fs.StringVar(&rec.timeline, "timeline", "", "")
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

	// The records, each checked before any job starts.
	if err := rec.check(fs); err != nil {
		return usageError(stderr, err.Error())
	}
	// While the progress line is drawn, the run's output goes through the
	// screen, which writes it above the line.
	showProgress := rec.progress || !rec.noProgress && isTerminal(stderr)
	outW, errW := stdout, stderr
	var screen *records.Screen
	var relay pool.Relay
	if showProgress {
		screen = records.NewScreen(stdout, stderr)
		outW, errW, relay = screen.Stdout(), screen.Stderr(), screen
	}
	tally := records.NewTally(rec.timeline != "")
	unstarted := records.NewUnstarted(errW)
	observers := []pool.Observer{tally, unstarted}
	var resume func(*pool.Job) bool
	if rec.resume {
		r, err := records.ReadResume(rec.joblog, errW)
		if err != nil {
			fmt.Fprintf(stderr, "expool: --resume: %v\n", err)
			return 2
		}
		resume = r.Done
	}
	var joblog *records.JobLog
	if rec.joblog != "" {
		var err error
		if joblog, err = records.OpenJobLog(rec.joblog); err != nil {
			fmt.Fprintf(stderr, "expool: --joblog: %v\n", err)
			return 2
		}
		defer joblog.Close()
		joblog.Errors = errW
		observers = append(observers, joblog)
	}
	var timeline *os.File
	if rec.timeline != "" {
		var err error
		if timeline, err = os.Create(rec.timeline); err != nil {
			fmt.Fprintf(stderr, "expool: --timeline: %v\n", err)
			return 2
		}
		defer timeline.Close()
	}

	executable, err := os.Executable()
	if err != nil {
		executable = os.Args[0]
	}
	// The launcher and the loop: the launcher is closed last, once every job
	// has ended and the loop is closed.
	launcher := local.New()
	launcher.Watchdog = []string{executable, watchdogFlag}
	defer launcher.Close()
	loop, err := pool.NewLoop(launcher)
	if err != nil {
		fmt.Fprintf(stderr, "expool: %v\n", err)
		return 1
	}
	defer loop.Close()
	loop.Observers, loop.Resume, loop.Relay = observers, resume, relay
	// Jobs that inherit their output get expool's when it is a file (or,
	// while the progress line is drawn, the screen's pipes).
	if f, ok := stdout.(*os.File); ok {
		loop.Stdout = f
	}
	if f, ok := stderr.(*os.File); ok {
		loop.Stderr = f
	}
	script := luaapi.New(loop, luaapi.Options{Stdout: outW, Stderr: errW, Executable: executable, Workers: rec.workers})
	defer script.Close()

	stop := handleSignals(script)
	defer stop()
	var progress *records.Progress
	if showProgress {
		progress = records.StartProgress(tally, screen)
	}
	status := script.Run(name, src, rest)
	if progress != nil {
		progress.Stop()
	}
	if showProgress || rec.summary {
		tally.WriteSummary(stderr)
	} else {
		unstarted.Close() // the summary lists them
	}
	// A record that could not be written makes a run that went well fail.
	recordsLost := joblog != nil && joblog.Failed(stderr)
	if timeline != nil {
		err := tally.WriteTimeline(timeline, name)
		if cerr := timeline.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(stderr, "expool: --timeline: %v\n", err)
			recordsLost = true
		}
	}
	if recordsLost && status == 0 {
		status = statusRecordsLost
	}
	return status
}

// statusRecordsLost is the exit status of a run whose job log, captured
// output or timeline could not all be written (sysexits.h's EX_IOERR).
const statusRecordsLost = 74

// recordOptions are the options that keep records of the run.
type recordOptions struct {
	workers                               int
	joblog, timeline                      string
	resume, progress, noProgress, summary bool
}

// check refuses what cannot work, before any job starts.
func (r *recordOptions) check(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	switch {
	case given["j"] && r.workers < 1:
		return fmt.Errorf("-j needs a positive number of workers, got %d", r.workers)
	case r.resume && r.joblog == "":
		return errors.New("--resume needs --joblog FILE, the job log to resume from")
	case r.progress && r.noProgress:
		return errors.New("--progress and --no-progress contradict each other")
	case given["joblog"] && r.joblog == "", given["timeline"] && r.timeline == "":
		return errors.New("--joblog and --timeline need a file name")
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
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
