// Package cli is expool's command line: its options, where the script comes
// from, the records of the run, the signals it handles and its exit status.
// Main runs in four steps: parse the command line, open the records, run the
// script, and finish the records (the summary and the timeline) while the
// loop and the signal handling are still up.
//
// Who owns what while a script runs:
//
//   - The main goroutine (Main's) owns the Lua state, the pool.Loop and every
//     pool, job and task: it runs the main chunk, and the loop inside it
//     (join, a synchronous execute, the final wind-up), so every Lua callback
//     and every pool.Observer call (job log, tally, web view) runs on it. It makes and
//     closes the launcher, the loop, the script and the records.
//   - The signal goroutine (handleSignals) only calls Script.Signal, which
//     cancels the script's contexts and calls Loop.Interrupt, both safe from
//     any goroutine.
//   - The progress goroutine (records.Progress) reads the Tally, under its
//     lock, and draws the progress line; while it is drawn, the screen
//     (records.Screen) has a goroutine per relayed output stream of a job,
//     which passes it on above the line, a whole line at a time.
//   - With --webui, the web view (package webui) has a goroutine that
//     publishes its snapshots, and the HTTP server one per connection; they
//     read only the view's snapshots, never the loop or the Lua state, and
//     the loop never waits for them.
//   - The pool's goroutines: one per PIPE reads it, and timers (timeouts,
//     kill grace, startdelay, task timeouts) fire on the runtime's; a
//     launcher that does not tell of its processes' ends (pool.EndNotifier)
//     has a goroutine per running attempt wait for its process. They touch no
//     Lua value and only post events to the loop. The local launcher adds, on
//     Linux, the reaper's thread, which starts every job (through the
//     spawner, a process of its own) and waits for all of them, a goroutine
//     that passes SIGCHLD on while a group is drained, and the sweeps' timers.
//   - The watchdog is a process of its own (expool --watchdog PID).
//   - On Slurm (pool/slurm), each attempt's srun has, besides the goroutine
//     that waits for it, one that reads its stderr, and scancel runs on
//     goroutines of the launcher's (at most four); none touches the loop but
//     through the events the pool posts. Its watchdog is a process of its
//     own too (expool --slurm-watchdog RUN).
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
	"expool/pool/local"
	"expool/pool/slurm"
)

// Version is expool's version.
const Version = "0.1.0"

// watchdogFlag runs expool as its own watchdog, and slurmWatchdogFlag as
// the Slurm launcher's; they are not for users.
const (
	watchdogFlag      = "--watchdog"
	slurmWatchdogFlag = "--slurm-watchdog"
)

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
  --webui [HOST:]PORT
                    serve a read-only live view of the run, a page and a
                    JSON API, while it runs; a bare PORT listens on
                    127.0.0.1 only; with a HOST, a request needs the token
                    in the address that expool prints on stderr; PORT 0 is
                    any free port
  --launcher NAME   where the jobs of pools that name no launcher run:
                    local (the default), or slurm (each attempt one srun)
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
		return watchdog(args[1], stdin, stderr)
	}
	if len(args) == 2 && args[0] == slurmWatchdogFlag {
		if err := slurm.Watchdog(args[1], stdin); err != nil {
			fmt.Fprintf(stderr, "expool: watchdog: %v\n", err)
			return 1
		}
		return 0
	}
	cmd, status := parse(args, stdin, stdout, stderr)
	if cmd == nil {
		return status
	}
	recs, err := openRecords(cmd.records, cmd.name, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "expool: %v\n", err)
		return 2
	}
	defer recs.close()
	return run(cmd, recs, stdout, stderr)
}

// watchdog runs expool as its own watchdog (see local.Watchdog).
func watchdog(pid string, stdin io.Reader, stderr io.Writer) int {
	expool, err := strconv.Atoi(pid)
	if err != nil {
		return usageError(stderr, "--watchdog needs expool's pid")
	}
	local.Watchdog(expool, stdin)
	return 0
}

// command is what the command line asks for: a script to run, and how.
type command struct {
	name     string // the script's chunk name: its file, "stdin" or "(command line)"
	src      []byte
	args     []string // the script's arguments
	records  recordOptions
	launcher string // of pools that name none: "local" or "slurm"
}

// parse reads the command line and the script. It returns nil and the exit
// status when there is nothing to run: help, the version, or bad usage,
// which it reports.
func parse(args []string, stdin io.Reader, stdout, stderr io.Writer) (*command, int) {
	fs := flag.NewFlagSet("expool", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	code := fs.String("e", "", "")
	var help, version bool
	fs.BoolVar(&help, "h", false, "")
	fs.BoolVar(&help, "help", false, "")
	fs.BoolVar(&version, "version", false, "")
	cmd := &command{}
	rec := &cmd.records
	fs.IntVar(&rec.workers, "j", 0, "")
	fs.StringVar(&rec.joblog, "joblog", "", "")
	fs.BoolVar(&rec.resume, "resume", false, "")
	fs.BoolVar(&rec.progress, "progress", false, "")
	fs.BoolVar(&rec.noProgress, "no-progress", false, "")
	fs.BoolVar(&rec.summary, "summary", false, "")
	fs.StringVar(&rec.timeline, "timeline", "", "")
	fs.StringVar(&rec.webui, "webui", "", "")
	fs.StringVar(&cmd.launcher, "launcher", "local", "")
	opts, afterCode := splitAtCode(fs, args)
	if err := fs.Parse(opts); err != nil {
		return nil, usageError(stderr, optionError(err, args))
	}
	codeGiven := false
	fs.Visit(func(f *flag.Flag) { codeGiven = codeGiven || f.Name == "e" })
	switch {
	case help:
		fmt.Fprint(stdout, usage)
		return nil, 0
	case version:
		fmt.Fprintf(stdout, "expool %s\n", versionString())
		return nil, 0
	}

	rest := append(fs.Args(), afterCode...)
	switch {
	case codeGiven:
		cmd.name, cmd.src = "(command line)", []byte(*code)
	case len(rest) == 0:
		return nil, usageError(stderr, "no script given")
	case rest[0] == "-":
		src, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "expool: reading the script from standard input: %v\n", err)
			return nil, 2
		}
		cmd.name, cmd.src, rest = "stdin", src, rest[1:]
	default:
		src, err := os.ReadFile(rest[0])
		if err != nil {
			return nil, usageError(stderr, "cannot read the script: "+pathError(err))
		}
		cmd.name, cmd.src, rest = rest[0], src, rest[1:]
	}
	cmd.args = rest
	// The records, each checked before any job starts.
	if err := rec.check(fs); err != nil {
		return nil, usageError(stderr, err.Error())
	}
	switch cmd.launcher {
	case "local":
	case "slurm":
		if _, err := slurm.New(); err != nil {
			fmt.Fprintf(stderr, "expool: --launcher slurm: %v\n", err)
			return nil, 2
		}
	default:
		return nil, usageError(stderr, fmt.Sprintf("--launcher must be local or slurm, got %q", cmd.launcher))
	}
	return cmd, 0
}

// run runs the script on a loop of its own, on the local launcher (and
// Slurm's, for the pools that ask for it), with the records observing it,
// finishes the records, and returns the exit status. The local launcher is
// closed last, once every job has ended and the loop is closed; the Slurm
// launcher before, while signals are still handled, since it sweeps
// Slurm's queue.
func run(cmd *command, recs *runRecords, stdout, stderr io.Writer) int {
	executable, err := os.Executable()
	if err != nil {
		executable = os.Args[0]
	}
	launcher := local.New()
	launcher.Watchdog = []string{executable, watchdogFlag}
	defer launcher.Close()
	loop, err := pool.NewLoop(launcher)
	if err != nil {
		fmt.Fprintf(stderr, "expool: %v\n", err)
		return 1
	}
	defer loop.Close()
	loop.Observers, loop.Resume, loop.Relay, loop.Notices = recs.observers, recs.resume, recs.relay, recs.stderr
	// Jobs that inherit their output get expool's when it is a file (or,
	// while the progress line is drawn, the screen's pipes).
	if f, ok := stdout.(*os.File); ok {
		loop.Stdout = f
	}
	if f, ok := stderr.(*os.File); ok {
		loop.Stderr = f
	}
	onSlurm := &slurmLauncher{executable: executable, stderr: recs.stderr}
	script := luaapi.New(loop, luaapi.Options{Stdout: recs.stdout, Stderr: recs.stderr, Executable: executable,
		Workers: recs.options.workers, DefaultLauncher: cmd.launcher, Slurm: onSlurm.get})
	defer script.Close()

	stop := handleSignals(script)
	defer stop()
	defer onSlurm.close()
	recs.startProgress()
	status := script.Run(cmd.name, cmd.src, cmd.args)
	return recs.finish(status, cmd.name, stderr)
}

// slurmLauncher makes the Slurm launcher when a pool first needs it, once.
type slurmLauncher struct {
	executable string
	stderr     io.Writer
	l          *slurm.Launcher
	err        error
}

// get returns the launcher, or why there is none.
func (s *slurmLauncher) get() (pool.Launcher, error) {
	if s.l == nil && s.err == nil {
		s.l, s.err = slurm.New()
		if s.err == nil {
			s.l.Watchdog = []string{s.executable, slurmWatchdogFlag}
			s.l.Stderr = s.stderr
		}
	}
	if s.err != nil {
		return nil, s.err
	}
	return s.l, nil
}

// close closes the launcher, if there is one: it cancels what Slurm's queue
// still holds of the run.
func (s *slurmLauncher) close() {
	if s.l != nil {
		s.l.Close()
	}
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
