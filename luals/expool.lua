---@meta expool
-- Definitions of expool's Lua API for the Lua language server (LuaLS), so that
-- editors complete Job{...} fields and callback signatures and check types.
-- Add this folder to your workspace's library, in .luarc.json:
--   { "workspace.library": ["/path/to/expool/luals"], "runtime.version": "Lua 5.1" }
-- The reference: go doc expool/luaapi, or luaapi/doc.go.

---@alias expool.Status
---| "pending"    # executed, waiting for a worker
---| "running"    # its process is running
---| "done"       # exit 0, not terminated by expool
---| "failed"     # non-zero exit, or killed by a signal expool did not send
---| "timeout"    # killed by expool: its own timeout expired, no restart left
---| "memory"     # killed by expool: over its memlimit, or alone over its pool's
---| "terminated" # killed by expool for any other reason
---| "cancelled"  # never started: its pool or task ended first
---| "error"      # could not start

---@alias expool.TaskStatus "pending"|"running"|"done"|"failed"|"timeout"

---An output destination: PIPE, STDOUT (stderr only) or DEVNULL.
---@class expool.Dest: userdata

---Where a job's stdout or stderr goes: a file path (appended), or a destination.
---@alias expool.Output string|expool.Dest

---The kernel's accounting of an attempt.
---@class expool.Rusage
---@field utime number user CPU time, seconds
---@field stime number system CPU time, seconds
---@field maxrss integer peak resident set size, KiB

---The fields Job{...} takes; all may change until the job is executed, then only params.
---@class expool.JobSpec
---@field name string the job's name (required)
---@field args? (string|number)[] argv: args[1] is looked up in PATH, no shell; none: a stub job
---@field workdir? string working directory, relative to expool's
---@field timeout? number seconds from the process start; 0: none; math.huge: forever (none)
---@field ontimeout? boolean restart on timeout (default false: end the job)
---@field maxrestarts? integer cap on restarts after timeouts; nil: unlimited
---@field task? expool.Task the task the job belongs to
---@field startdelay? number seconds during which its pool starts no other job after this one starts; math.huge: forever
---@field onstart? fun(job: expool.Job) before each start of the process; an error keeps it from starting
---@field ondone? fun(job: expool.Job) once, if the job ends "done"
---@field onfinish? fun(job: expool.Job) once, when the job ends, whatever its status (after ondone)
---@field params? any carried along for the callbacks; always writable
---@field stdout? expool.Output where stdout goes; default: the task's, else expool's
---@field stderr? expool.Output where stderr goes; STDOUT: with stdout
---@field env? table<string, string|number> variables added to, or replacing in, expool's environment
---@field memlimit? number GiB: over it the job is terminated and ends "memory"; 0: none
---@field mem? number GiB the job is expected to use, for its pool's memlimit; default: what its own or its category's earlier peaks say
---@field category? string related jobs: when one with a size ends "timeout" or "memory", those of its category not smaller end too
---@field size? number its size within its category (>= 0); 0: never chained
---@field slowdown? number > 0, default 1: for timeouts, size × slowdown is compared
---@field affinity? boolean false: not pinned to CPUs even if its pool pins jobs (default true)
---@field slurm? (string|number)[] srun options for this job, after its pool's (ignored by the local launcher)
---@field retries? integer times the job starts again after it ended "failed"; default 0

---A job: an OS process (or a stub) to run in a pool.
---@class expool.Job: expool.JobSpec
---@field status expool.Status
---@field returncode integer? exit code, -N when signal N killed it; nil if it never ran
---@field tstart number? start of the last attempt, seconds since the epoch
---@field tstop number? end of the last attempt; nil while it runs
---@field duration number? tstop - tstart
---@field pid integer? process id of the current or last attempt; nil for a stub or a resumed job
---@field restarts integer restarts so far
---@field resumed boolean done in an earlier run (--resume), so it did not run; it has that run's times, rusage and output
---@field output string? captured stdout when stdout is PIPE
---@field erroutput string? captured stderr when stderr is PIPE
---@field error string? why the job could not start, or what ended it (terminated, cancelled, memory)
---@field rusage expool.Rusage? of the last attempt
---@field peakmem number? GiB, the largest memory sampled of the last attempt (RSS of its processes, summed)
---@field cpus integer[]? the CPUs the last attempt was pinned to (ExecPool's affinity)

---The fields Task{...} takes; they may change until the task has members, params always.
---@class expool.TaskSpec
---@field name string the task's name (required)
---@field timeout? number seconds from the task's start; 0: none; math.huge: forever (none)
---@field onstart? fun(task: expool.Task) when its first member starts
---@field ondone? fun(task: expool.Task) when it finishes with every member "done"
---@field onfinish? fun(task: expool.Task) when it finishes, whatever the outcome
---@field params? any carried along for the callbacks
---@field task? expool.Task the parent task
---@field stdout? expool.Output the default of members that set none
---@field stderr? expool.Output the default of members that set none

---A group of jobs and subtasks.
---@class expool.Task: expool.TaskSpec
---@field status expool.TaskStatus
---@field tstart number?
---@field tstop number?
---@field numadded integer members added: jobs executed, subtasks with members
---@field numdone integer members that ended "done"
---@field numterm integer members that ended otherwise

---The fields ExecPool{...} takes.
---@class expool.PoolSpec
---@field workers? integer jobs running at once; default max(cpu_count()-1, 1), or expool -j N
---@field killgrace? number seconds between SIGTERM and SIGKILL; default 1; math.huge: never SIGKILL
---@field name? string default "ExecPool"
---@field pipelimit? integer bytes kept per PIPE stream; default 16 MiB
---@field memlimit? number GiB its running jobs may use together; 0 (default): none
---@field memsample? number seconds between samples of each running job's memory; default 0.1; 0: none
---@field affinity? integer CPUs of its own for each running job; workers is capped at the groups there are
---@field launcher? "local"|"slurm" where jobs run; default: expool --launcher, else "local"
---@field slurm? expool.SlurmSpec srun options for every job (ignored by the local launcher)

---ExecPool{slurm={...}}: srun options for every job of the pool.
---@class expool.SlurmSpec
---@field partition? string srun --partition
---@field account? string srun --account
---@field args? (string|number)[] more srun options

---A pool of workers; its fields are read-only.
---@class expool.ExecPool
---@field workers integer
---@field name string
---@field killgrace number
---@field pipelimit integer
---@field memlimit number GiB
---@field memsample number seconds
---@field affinity integer? CPUs per job, nil if jobs are not pinned
---@field memory number GiB that its running jobs use, as last sampled
---@field launcher "local"|"slurm"
---@field running integer jobs running, synchronous ones included
---@field pending integer jobs waiting for a worker
---@field failures expool.Job[] finished jobs whose status is not "done"
local pool = {}

---Queues the job, which starts at once if a worker is free, and returns 0; with
---concur false, runs it at once, without a worker, and returns its returncode, or
---nil and a message if it could not start.
---@param job expool.Job
---@param concur? boolean default true
---@return integer? returncode
---@return string? message
function pool:execute(job, concur) end

---Runs the event loop until no job of the pool is pending or running. With a
---timeout (seconds, from the first execute since the last join) that expires,
---terminates what runs, cancels what waits, and returns false.
---@param timeout? number
---@return boolean
function pool:join(timeout) end

---Terminates the running jobs, cancels the pending ones, and waits for them.
function pool:terminate() end

---@param spec expool.JobSpec
---@return expool.Job
function Job(spec) end

---@param spec expool.TaskSpec
---@return expool.Task
function Task(spec) end

---@param spec? integer|expool.PoolSpec a number of workers, or the fields
---@return expool.ExecPool
function ExecPool(spec) end

---Captures the stream into job.output or job.erroutput.
---@type expool.Dest
PIPE = nil

---For stderr: where stdout goes.
---@type expool.Dest
STDOUT = nil

---Discards the stream.
---@type expool.Dest
DEVNULL = nil

---The number of CPUs expool may use.
---@return integer
function cpu_count() end

---The absolute path of expool, so that a job can run Lua: {EXPOOL, "-e", code, ...}.
---@type string
EXPOOL = ""

---require("expool") returns the same names.
return {
	Job = Job,
	Task = Task,
	ExecPool = ExecPool,
	PIPE = PIPE,
	STDOUT = STDOUT,
	DEVNULL = DEVNULL,
	cpu_count = cpu_count,
	EXPOOL = EXPOOL,
}
