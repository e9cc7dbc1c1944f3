package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"expool/pool"
	"expool/records"
	"expool/webui"
)

// recordOptions are the options that keep records of the run.
type recordOptions struct {
	workers                               int
	joblog, timeline, webui               string
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
	case given["webui"]:
		if _, _, _, err := webui.ParseAddr(r.webui); err != nil {
			return fmt.Errorf("--webui: %v", err)
		}
	}
	return nil
}

// runRecords are the records of one run: the tally that the progress line,
// the summary and the timeline read, the files they are written to, the web
// view, and, while the progress line is drawn, the screen that writes the
// run's output above it.
type runRecords struct {
	options        recordOptions
	stdout, stderr io.Writer // where the script's output goes: the screen's, or expool's
	screen         *records.Screen
	relay          pool.Relay // the screen, for the jobs' inherited output
	tally          *records.Tally
	unstarted      *records.Unstarted
	observers      []pool.Observer
	resume         func(*pool.Job) bool
	joblog         *records.JobLog
	timeline       *os.File
	progress       *records.Progress
	web            *webui.Server
}

// openRecords sets up the records that opts ask for, of a run of script: it
// opens their files, reads the job log to resume from, binds the web view's
// port, and, if the progress line is to be drawn (stderr is a terminal, or
// --progress), the screen. An error names the option.
func openRecords(opts recordOptions, script string, stdout, stderr io.Writer) (*runRecords, error) {
	r := &runRecords{options: opts, stdout: stdout, stderr: stderr}
	if opts.progress || !opts.noProgress && isTerminal(stderr) {
		r.screen = records.NewScreen(stdout, stderr)
		r.stdout, r.stderr, r.relay = r.screen.Stdout(), r.screen.Stderr(), r.screen
	}
	r.tally = records.NewTally(opts.timeline != "")
	r.unstarted = records.NewUnstarted(r.stderr)
	r.observers = []pool.Observer{r.tally, r.unstarted}
	if opts.resume {
		resume, err := records.ReadResume(opts.joblog, r.stderr)
		if err != nil {
			return nil, fmt.Errorf("--resume: %w", err)
		}
		r.resume = resume.Done
	}
	if opts.joblog != "" {
		joblog, err := records.OpenJobLog(opts.joblog)
		if err != nil {
			return nil, fmt.Errorf("--joblog: %w", err)
		}
		joblog.Errors = r.stderr
		r.joblog = joblog
		r.observers = append(r.observers, joblog)
	}
	if opts.timeline != "" {
		timeline, err := os.Create(opts.timeline)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("--timeline: %w", err)
		}
		r.timeline = timeline
	}
	if opts.webui != "" {
		view := webui.NewView(script)
		web, err := webui.Listen(opts.webui, view)
		if err != nil {
			view.Close()
			r.close()
			return nil, fmt.Errorf("--webui %s: %w", opts.webui, err)
		}
		r.web = web
		r.observers = append(r.observers, view)
		fmt.Fprintf(r.stderr, "expool: web UI at %s\n", web.URL())
	}
	return r, nil
}

// startProgress draws the progress line while the script runs, if the
// screen is up.
func (r *runRecords) startProgress() {
	if r.screen != nil {
		r.progress = records.StartProgress(r.tally, r.screen)
	}
}

// finish stops the progress line, writes the summary (or the list of jobs
// that could not start) and the timeline, and returns the exit status: the
// script's, or statusRecordsLost for a run that went well but whose records
// could not all be written.
func (r *runRecords) finish(status int, script string, stderr io.Writer) int {
	if r.progress != nil {
		r.progress.Stop()
	}
	if r.screen != nil || r.options.summary {
		r.tally.WriteSummary(stderr)
	} else {
		r.unstarted.Close() // the summary lists them
	}
	lost := r.joblog != nil && r.joblog.Failed(stderr)
	if r.timeline != nil {
		err := r.tally.WriteTimeline(r.timeline, script)
		if cerr := r.timeline.Close(); err == nil {
			err = cerr
		}
		r.timeline = nil
		if err != nil {
			fmt.Fprintf(stderr, "expool: --timeline: %v\n", err)
			lost = true
		}
	}
	if lost && status == 0 {
		return statusRecordsLost
	}
	return status
}

// statusRecordsLost is the exit status of a run whose job log, captured
// output or timeline could not all be written (sysexits.h's EX_IOERR).
const statusRecordsLost = 74

// close closes the records' files, and the web view's port: last, once
// every job has ended, so that its last snapshot is the run's end.
func (r *runRecords) close() {
	if r.timeline != nil {
		r.timeline.Close()
	}
	if r.joblog != nil {
		r.joblog.Close()
	}
	if r.web != nil {
		r.web.Close()
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
