-- slurm.lua: one experiment, on this machine or on a Slurm cluster.
--
--   expool scripts/slurm.lua [trials]                     here, 4 at a time
--   expool --launcher slurm scripts/slurm.lua [trials]    each trial one srun
--
-- Estimates pi by sampling, one trial per job, each with its own seed, and
-- averages the trials. Each job runs Lua through expool itself (EXPOOL), so
-- the example needs nothing else installed; on a cluster, expool must then
-- be at the same path on the compute nodes (a shared home does it). One
-- trial fails the first time it runs, as a job on a flaky node would, and is
-- retried. The slurm fields are srun's options: the local launcher ignores
-- them, so the same script runs both ways. Set EXPOOL_PARTITION and
-- EXPOOL_ACCOUNT to run on a partition, under an account, of your cluster.
local trials = tonumber(arg[1]) or 8

local pool = ExecPool{
  workers = 4,
  killgrace = 5,  -- the trial's SIGTERM handler gets 5 s before SIGKILL
  slurm = {
    partition = os.getenv("EXPOOL_PARTITION"),
    account = os.getenv("EXPOOL_ACCOUNT"),
    args = {"--mem=200M"},  -- every trial's srun gets these
  },
}

-- A trial: `samples` points drawn with `seed`; it prints its estimate. With
-- a marker file given, it fails unless the file exists, and creates it.
local trial = [[
local seed, samples, marker = tonumber(arg[1]), tonumber(arg[2]), arg[3]
if marker and not io.open(marker) then
  io.open(marker, "w"):close()
  io.stderr:write("trial ", seed, ": the node fell over\n")
  os.exit(1)
end
math.randomseed(seed)
local inside = 0
for _ = 1, samples do
  local x, y = math.random(), math.random()
  if x * x + y * y <= 1 then inside = inside + 1 end
end
print(string.format("%.6f", 4 * inside / samples))
]]

os.remove("slurm-flaky.marker")
local estimates = {}
for seed = 1, trials do
  local args = {EXPOOL, "-e", trial, seed, 20000}
  if seed == 3 then args[#args + 1] = "slurm-flaky.marker" end
  pool:execute(Job{
    name = "pi-" .. seed,
    args = args,
    timeout = 60,
    retries = 2,            -- a trial that fails runs again, twice at most
    stdout = PIPE,
    stderr = PIPE,
    slurm = {"--cpus-per-task=1"},
    ondone = function(j) estimates[#estimates + 1] = tonumber(j.output) end,
    onfinish = function(j)
      if j.restarts > 0 then
        print(string.format("%s ran %d times; the last time: %s", j.name, j.restarts + 1, j.status))
      end
      if j.status ~= "done" then
        print(j.name, j.status, j.returncode, j.error or j.erroutput)
      end
    end,
  })
end
pool:join()
os.remove("slurm-flaky.marker")

local sum = 0
for _, e in ipairs(estimates) do sum = sum + e end
print(string.format("%d of %d trials done on %s: pi is about %.2f",
  #estimates, trials, pool.launcher, sum / math.max(#estimates, 1)))
