-- failover.lua: a long experiment that is safe to interrupt.
--
--   expool scripts/failover.lua [jobs] [seconds]
--
-- Runs `jobs` experiments of about `seconds` each, two at a time. Each one's
-- result is appended to results.tsv by its onfinish callback the moment it
-- finishes, and flushed, so an interrupted run loses nothing that finished.
-- Press Ctrl-C (or send SIGTERM or SIGHUP) in the middle: expool terminates the
-- running experiments (SIGTERM to each one's process group, SIGKILL after the
-- pool's killgrace), cancels the queued ones, runs their onfinish callbacks,
-- which record them as "terminated" and "cancelled", and exits with 130.
-- No process of theirs is left behind. A second Ctrl-C kills at once.

local jobs = tonumber(arg[1]) or 6
local seconds = tonumber(arg[2]) or 2

local results = assert(io.open("results.tsv", "a"))
results:write("# run of ", jobs, " experiments started ", os.date("%Y-%m-%d %H:%M:%S"), "\n")
results:flush()

local function record(job)
  results:write(table.concat({job.name, job.status, tostring(job.returncode),
    string.format("%.3f", job.duration or 0), tostring(job.pid),
    ((job.output or ""):gsub("%s+$", ""))}, "\t"), "\n")
  results:flush()
end

local pool = ExecPool{workers=2, killgrace=2}
for i = 1, jobs do
  -- The experiment: a shell script that works for a while, then prints its result.
  -- The timeout is a safety net against a run that hangs.
  pool:execute(Job{name="experiment-" .. i, timeout=seconds * 5, stdout=PIPE,
    args={"sh", "-c", 'sleep "$1"; echo "result of run $2"', "sh", tostring(seconds), tostring(i)},
    onfinish=record})
end
pool:join()
print(#pool.failures == 0 and "all experiments done" or (#pool.failures .. " experiments did not finish"))
