// Package luaapi is expool's Lua face: the globals a script sees, the Job,
// Task and ExecPool objects, their callbacks, and how a script ends. It runs
// on package pool. This comment is the reference of the Lua API, whole: what
// a script can rely on is written here (README.md tells the same in short,
// with the command line's options).
//
//	expool [options] script.lua [args...]
//	expool [options] -e 'lua code' [args...]
//	expool [options] -              (the script from standard input)
//
// # Globals
//
//	Job{...}            a job: one OS process (or a stub) to run
//	Task{...}           a group of jobs and subtasks
//	ExecPool(n)         a pool of n workers; ExecPool{workers=, killgrace=, name=, pipelimit=,
//	                    memlimit=, memsample=, affinity=, launcher=, slurm=}
//	PIPE, STDOUT, DEVNULL   output destinations
//	cpu_count()         CPUs usable by expool
//	EXPOOL              absolute path of expool, so a job can run Lua: {EXPOOL, "-e", code, args...}
//	arg                 arg[0] the script, arg[1..n] its arguments (also the main chunk's ...)
//
// require("expool") returns a table of the same names. The standard Lua 5.1
// libraries are there, and answer as Lua 5.1.5 does (expool's patched
// gopher-lua, third_party/gopher-lua); os.exit(code) terminates every running
// job first (their onfinish callbacks run) and then exits with code (true is
// 0, false 1). print and io.write write each call with one write, so lines do
// not interleave with jobs' output, unless io.stdout:setvbuf("full" or
// "line") asks for a buffer; buffers are written when the script ends and
// before pool:execute and pool:join. math.randomseed(x) makes math.random
// repeat its sequence (each script has a generator of its own).
//
// While expool draws its progress line (on a terminal, or with --progress),
// print, io.write, io.stdout:write and io.stderr:write, like the output of the
// jobs that inherit expool's stdout and stderr, appear a whole line at a time
// above it: a line without its newline waits for it (or for the end of the
// job, or of the script, which supply one).
//
// # ExecPool
//
// ExecPool(workers) or ExecPool{workers=N, killgrace=S, name=STR, pipelimit=BYTES,
// memlimit=GiB, memsample=S, affinity=N, launcher="local"|"slurm",
// slurm={partition=STR, account=STR, args={...}}}. workers defaults to
// max(cpu_count()-1, 1), killgrace (seconds between SIGTERM and SIGKILL) to 1,
// pipelimit (bytes kept per PIPE stream) to 16 MiB, name to "ExecPool",
// launcher to expool's --launcher, else "local" (see Slurm); memlimit (GiB its
// running jobs may use together), memsample (seconds between samples of each
// running job's memory: 0, or from 0.01 to 3600) and affinity (CPUs of its own
// for each running job) are described under Memory and CPUs: memlimit defaults
// to 0, none, memsample to 0.1, affinity to none. Fields, read-only: workers
// (capped by affinity), name, killgrace, pipelimit, memlimit, memsample,
// affinity (nil if none), launcher, running (jobs running, synchronous ones
// included), pending (queued), failures (the pool's finished jobs whose status
// is not "done", kept after join), memory (GiB its running jobs use, as last
// sampled).
//
// pool:execute(job) queues the job (first in, first out) and returns 0; the job
// starts at once if a worker is free, so its onstart may run inside execute.
// pool:execute(job, false) starts it at once even if every worker is busy,
// without taking a worker, enforces its timeout and restarts, runs the event
// loop while it waits (other jobs' callbacks fire), and returns its returncode,
// or nil and a message when it could not start. Executing a job twice is an
// error.
//
// pool:join([timeout]) runs the event loop until no job of the pool is pending
// or running, jobs that callbacks execute meanwhile included, and returns
// true (at once when nothing is scheduled). With a timeout (seconds, counted
// from the first execute since the last join; 0, the default, is none) that
// expires, it terminates the running jobs, cancels the pending ones, waits for
// them (their callbacks run) and returns false.
//
// pool:terminate() terminates the running jobs, cancels the pending ones and
// waits for them; jobs executed meanwhile (by their callbacks) are cancelled.
// The pool can be used again after join and terminate. join, terminate and
// execute may be called from callbacks. Several pools share one event loop:
// while one is joined, the others' jobs start, end and call back too.
//
// At the end of the script every pool that still has jobs is joined.
//
// # Job
//
// Job{name=..., args={...}, ...}. Fields, all but name optional:
//
//	name         string, required
//	args         array of strings (numbers are converted): args[1] is looked up in PATH, no shell.
//	             None or empty: a stub job, which starts no process; its callbacks run, returncode 0
//	workdir      working directory of the process, relative to expool's
//	timeout      seconds from the process start; 0, the default, is none
//	ontimeout    false (default): end the job on timeout; true: terminate and restart it
//	maxrestarts  cap on restarts after timeouts; nil (default): unlimited
//	task         the Task the job belongs to
//	startdelay   seconds during which, after this job's process starts, its pool starts no other job
//	onstart      function(job): before each start of the process, restarts too;
//	             an error in it means the job does not start (status "error")
//	ondone       function(job): once, if the job ends "done"
//	onfinish     function(job): once, when the job ends, whatever its status (after ondone)
//	params       any Lua value, for the callbacks; always writable
//	stdout       where stdout goes (see Output); default: inherited
//	stderr       where stderr goes; default: inherited
//	env          table name -> value, added to (or replacing in) expool's environment
//	memlimit     GiB: over it the job is terminated and ends "memory"; 0, the default, is none
//	mem          GiB the job is expected to use, for its pool's memlimit; default: learnt
//	category     string: related jobs (see Memory and CPUs)
//	size         number ≥ 0, its size within its category; 0, the default, is none
//	slowdown     number > 0, default 1: for timeouts, size × slowdown is compared
//	affinity     false: not pinned to CPUs even if its pool pins jobs; default true
//	retries      times the job starts again after it ended "failed"; default 0. Each retry
//	             is an attempt (a job log line, onstart before it), counted in restarts;
//	             maxrestarts does not count them
//	slurm        array of srun options for the job, after its pool's; ignored by the local launcher
//
// The fields above may change until the job is executed; then only params. A
// wrong key or type raises an error naming it, with the script's file:line,
// as does reading or writing a field that does not exist (job.retcode). The
// pool fills these, read-only:
//
//	status       "pending", "running", "done", "failed", "timeout", "memory", "terminated", "cancelled", "error"
//	returncode   exit code; -N when signal N killed it; nil if it never ran
//	tstart       start of the last attempt, seconds since the epoch (float, sub-millisecond)
//	tstop        end of the last attempt, set before ondone/onfinish run; nil while it runs
//	duration     tstop - tstart; nil while it runs
//	pid          process id of the current or last attempt; nil for a stub or a resumed job
//	restarts     restarts so far
//	resumed      true if the job was done in an earlier run (expool --resume) and did not run
//	output       captured stdout when stdout is PIPE, else nil (the last attempt's)
//	erroutput    captured stderr when stderr is PIPE, else nil
//	error        why the job could not start (status "error"), or what ended it (status
//	             "memory", "terminated" or "cancelled"), else nil
//	rusage       {utime=s, stime=s, maxrss=KiB} of the last attempt, from the kernel; nil for a stub
//	peakmem      GiB, the largest memory sampled of the last attempt; nil if none was
//	cpus         array of the CPUs the last attempt was pinned to; nil if it was not
//
// maxrestarts reads nil when unlimited.
//
// # Seconds
//
// Every duration (a job's timeout and startdelay, a task's timeout, a pool's
// killgrace, join's timeout) is a number of seconds ≥ 0, a float. A number
// past what expool can count (about 292 years), math.huge included, is
// forever: a timeout that never expires, a killgrace after which SIGKILL never
// comes, a startdelay that holds its pool for good; the field then reads as
// infinity (1/0). NaN and negative numbers are errors.
//
// # Statuses
//
//	done        exit 0 and not terminated by expool
//	failed      non-zero exit, or killed by a signal expool did not send
//	timeout     killed by expool because its own timeout expired and no restart is left
//	memory      killed by expool: over its memlimit, or alone over its pool's; never restarted
//	terminated  killed by expool for any other reason: task timeout, join timeout,
//	            pool:terminate(), os.exit, an error in the main chunk, a signal to
//	            expool, a related job that hit a wall
//	cancelled   never started: its pool or task ended first, or a related job hit a wall
//	error       could not start: executable not found or not executable, workdir
//	            missing, output file not writable, onstart raised
//
// For "terminated" and "cancelled" jobs, job.error says in one line what
// ended them: `task "t" timed out`, `pool join timed out`, `pool:terminate()`,
// `os.exit`, `error in the main chunk`, `SIGINT` (the signal's name), `job
// "big-5" (category "louvain") timed out` or `... went over its memory limit`.
//
// # Memory and CPUs
//
// A job's memory is the resident memory (RSS) of its processes, summed: its
// process group and its descendants, those that left the group included
// while they carry its EXPOOL_ATTEMPT mark (pages they share count in each).
// expool samples it every memsample seconds, from /proc, off the event loop;
// peakmem is the largest sample of the last attempt, and the job log has it
// (peakmem_kib).
//
// Job{memlimit=GiB}: a job whose memory goes over it is terminated (SIGTERM,
// SIGKILL after killgrace) and ends "memory"; it is never restarted.
//
// ExecPool{memlimit=GiB}: the pool's running jobs together stay under it. A
// queued job starts only if its expected memory fits beside what the running
// jobs hold (each the larger of its last sample and its own expected memory);
// one job always runs, and the queue is first come, first served. A job's
// expected memory: its mem, else the peak of its own earlier attempt, else the
// largest peak among the pool's finished jobs of its category whose size is
// not larger, else 0. When the running jobs go over the limit, the one
// started last is terminated and requeued at the head of the queue (its
// attempt ends "requeued" in the job log, restarts grows by one, its onstart
// runs again when it restarts; it is not a failure), and so on until the pool
// is under its limit, but never the last one running, nor a synchronous one.
// A job alone over the pool's limit ends "memory".
//
// ExecPool{affinity=N}: each running job is pinned to N CPUs of its own, out
// of those expool may use, before its program runs; its children inherit
// them. The CPUs go whole cores first (hyperthread siblings together), then
// cores of one package, from /sys/devices/system/cpu; workers is capped at the
// number of such groups, and N more than the CPUs expool may use is an error.
// job.cpus and the job's EXPOOL_CPUS ("0,8") say which. A synchronous job gets
// a group if one is free. Job{affinity=false} leaves a job unpinned.
//
// Related jobs, Job{category=STR, size=NUMBER}: when a job of a category with
// a size > 0 ends "timeout" or "memory", the other jobs of its pool in that
// category whose size is not smaller are cancelled if they wait, and
// terminated if they run and started after it (and do not run again if they
// are requeued later); for a timeout, size × slowdown is compared. Jobs
// without a size are never chained.
//
// Memory limits and affinity need Linux, its /proc and sched_setaffinity:
// elsewhere, or where /proc cannot be read, memlimit and affinity are
// errors at ExecPool{} and Job{}, rather than limits that do nothing.
//
// On Slurm the cluster places and enforces: a pool's affinity=N is each
// job's srun --cpus-per-task=N (none for a job with affinity=false), a job's
// memlimit its --mem; job.peakmem and job.cpus are nil, pool.memory is 0,
// workers is not capped, and a pool's memlimit, which needs samples, is an
// error.
//
// # Callback order
//
// Callbacks run on one goroutine, the one that runs the script, never
// concurrently, and only while the event loop runs: inside join, a
// synchronous execute, terminate, or the implicit join at the end. For a job:
// onstart before every start of its process; then, once it has ended, ondone
// if it is "done", then onfinish. A job's worker is free as soon as its
// process has ended, so a job its ondone executes may start before its
// onfinish runs. An error raised in a callback is printed with file:line and
// a traceback; the pool goes on, and expool's exit status becomes 1 unless the
// script calls os.exit.
//
// # Task
//
// Task{name=..., timeout=, onstart=, ondone=, onfinish=, params=, task=, stdout=, stderr=}.
// A job becomes a member of its task when it is executed; a subtask (a task
// whose task= names this one) when its own first member is executed. A task
// starts when its first member starts: tstart is set, then onstart(task),
// outermost task first. It finishes when every member added so far has
// finished, counted after the finishing member's own callbacks (so a member's
// ondone can add jobs to the task and keep it open): then tstop is set,
// ondone(task) runs if every member ended "done", then onfinish(task), then the
// parent task counts it as one finished member. timeout (seconds from the
// task's start; 0, the default, is none) terminates its running members, subtasks' included, and
// cancels its pending ones. stdout and stderr are the defaults of members that
// set none. Executing a job into a task that has finished is an error.
//
// Fields: those above (changeable until the task has members; params
// always), and read-only tstart, tstop, numadded, numdone (members that
// ended "done"), numterm (members that ended otherwise) and status ("pending",
// "running", "done", "failed", "timeout").
//
// # Output
//
// stdout and stderr take: nothing, to inherit the task's setting, else
// expool's own stream; a file path, opened for appending, parent directories
// created, relative to expool's working directory (stdout and stderr naming
// the same path share one file); PIPE, captured into job.output or
// job.erroutput while the job runs, so a job that prints gigabytes never
// blocks, keeping the first pipelimit bytes and ending with a line
// "[expool: N more bytes discarded: pipelimit is L bytes]"; DEVNULL; and, for
// stderr only, STDOUT: the same destination as stdout, PIPE included. A job's
// stdin is /dev/null; its environment is expool's, plus env, plus
// EXPOOL_ATTEMPT (an id of the attempt), plus EXPOOL_CPUS when its pool pins
// it to CPUs.
//
// # Jobs that end without running
//
// A stub job (no args), a cancelled job and one that could not start finish
// from the event loop, never inside execute, so a task cannot finish while
// the script is still executing its members. expool says on stderr which jobs
// could not start (status "error"): a line for each of the first ten, and at
// the end a line with their number and why, unless a summary (--summary, or
// the progress line) lists them.
//
// # Resumed runs
//
// With expool --joblog FILE --resume, a job whose name has a "done" line in
// FILE does not run: it ends "done" from the event loop, with resumed true,
// returncode 0, and what it had when it ran: tstart and tstop (to the
// millisecond), rusage, restarts, and output and erroutput (saved beside the
// job log, in the directory FILE.out); pid is nil. Its ondone and onfinish
// run, so chains built in callbacks go on as in the first run. Each "done"
// line serves one job: the jobs of one name take that name's lines in the
// order of the log, and a job with none left runs. A job that captures its
// output but whose output was not saved runs again.
//
// # Slurm
//
// A pool whose launcher is "slurm" runs each attempt of a job as one srun:
// a Slurm job of its own, or, inside an sbatch or salloc allocation, a job
// step on its nodes (with --exact, so that steps run side by side). Its
// slurm fields become srun's options (--partition=, --account=, args, then
// the job's slurm array); the local launcher ignores them, so a script runs
// both ways. What the rest of this page says holds, but: a job's timeout and
// startdelay, its tstart and duration count from its task's start, not from
// the time it waited in Slurm's queue; SIGTERM reaches the task through
// scancel, and SIGKILL, after killgrace, is srun's end; pid is srun's;
// rusage is nil (srun is not told the task's usage); what Slurm refuses (a
// partition, an account, resources, such as a memlimit no node has) or a command the node cannot execute
// ends the job "error" with Slurm's message in job.error. A missing workdir
// is an error before srun runs. When expool ends, nothing of the run is left
// in squeue. README.md, "Running on a Slurm cluster", says more.
//
// # Termination
//
// Every job runs in its own process group. To terminate a job, expool sends
// SIGTERM to the group, SIGKILL to the group after the pool's killgrace (at
// once with killgrace 0), and reaps it. When a job's main process ends, whatever is left of its group is
// killed (SIGKILL) and reaped: a job leaves no process behind, even one that
// ignores SIGTERM or runs in the background. expool is a child subreaper, so
// the job's orphaned descendants are reaped too, and those that left the group
// (setsid) are killed once the attempt they came from has ended: they carry
// its EXPOOL_ATTEMPT environment variable. Timeouts are timers, acted on
// within milliseconds. If expool itself is killed with SIGKILL, the jobs' main
// processes die with it (Pdeathsig) and a watchdog process kills the rest.
// The subreaper, the following of escapees and Pdeathsig are Linux's: on macOS
// and FreeBSD, a job's orphans are init's to reap, escapees outlive their job,
// and the watchdog kills the process groups of the jobs that had not ended;
// memory limits and affinity are errors there (see Memory and CPUs).
//
// On SIGINT, SIGTERM, SIGHUP or SIGQUIT expool terminates every job of every
// pool, cancels the pending ones, runs their callbacks and exits with 128 + the
// signal number. A second signal kills the jobs at once (SIGKILL); a third
// also stops the callbacks. A Lua error in the main chunk prints
// "expool: script.lua:LINE: message" (and a traceback when it came from
// inside a function), terminates every job the same way and exits 1.
//
// # Exit status
//
// 0 when the script ran to its end without error, whatever its jobs
// returned; the code given to os.exit; 1 after an error in the script or in a
// callback; 2 on bad usage of the command line; 128+N after signal N; 74
// rather than 0 when the job log (--joblog), the output saved beside it or
// the timeline (--timeline) could not all be written; 70 after a bug of
// expool's ("internal error").
package luaapi
