-- demo.lua: PyExPool's usage example, ported to expool.
--
--   expool scripts/demo.lua [shuffles]
--
-- One pool runs three kinds of jobs: an external program that lists a
-- directory; a piece of Lua run by expool itself ({EXPOOL, "-e", code}) with
-- a timeout, which shuffles a file N times; and N runs of an external program
-- (sort -R) that shuffle the same file, grouped in a task. Everything it
-- writes goes to ./demo-out.

local shuffles = tonumber(arg[1]) or 5

-- 1. Create the pool: one worker per CPU but one, as ExecPool() does by default.
local pool = ExecPool(math.max(cpu_count() - 1, 1))
local global_timeout = 30 * 60  -- 30 min to run every job, or the rest is terminated

-- A synchronous job prepares the working directory before anything else runs.
pool:execute(Job{name="mkdir", args={"mkdir", "-p", "demo-out"}}, false)
local net = assert(io.open("demo-out/net.net", "w"))
for i = 1, 20 do net:write(i, " ", i % 7 + 1, "\n") end  -- a small edge list
net:close()

-- 2.a An external executable: "ls -la", its output inherited (expool's stdout).
pool:execute(Job{name="list_dir", args={"ls", "-la", "demo-out"}})

-- 2.b A piece of Lua as a job, with a timeout: it reads the network and writes
-- `shuffles` shuffled copies of it, net.1.net ... net.N.net, in its workdir.
local shuffle = [[
local base, n = ...
math.randomseed(os.time())
local lines = {}
for line in io.lines(base .. ".net") do lines[#lines + 1] = line end
for i = 1, tonumber(n) do
  for k = #lines, 2, -1 do
    local r = math.random(k)
    lines[k], lines[r] = lines[r], lines[k]
  end
  local out = assert(io.open(base .. "." .. i .. ".net", "w"))
  out:write(table.concat(lines, "\n"), "\n")
  out:close()
end
print("shuffled " .. base .. " " .. n .. " times")
]]
pool:execute(Job{name="NetShuffling", workdir="demo-out", timeout=3 * 60,
  args={EXPOOL, "-e", shuffle, "net", tostring(shuffles)},
  stdout=PIPE,
  ondone=function(job) io.write(job.name, ": ", job.output) end})

-- 2.c The same with an external program, one job per shuffle, in a task whose
-- callbacks report the whole group.
local sorts = Task{name="sort-shuffles",
  ondone=function(task) print(task.name .. ": " .. task.numdone .. " shuffles done") end,
  onfinish=function(task)
    if task.status ~= "done" then print(task.name .. ": " .. task.status) end
  end}
for i = 1, shuffles do
  pool:execute(Job{name="sort-" .. i, task=sorts, timeout=60,
    args={"sort", "-R", "demo-out/net.net", "-o", "demo-out/sorted." .. i .. ".net"}})
end

-- 3. Wait for the jobs, at most global_timeout.
if not pool:join(global_timeout) then
  print("the global timeout expired: the remaining jobs were terminated")
end
for _, job in ipairs(pool.failures) do
  print(string.format("failed: %s %s (returncode %s) %s", job.name, job.status,
    tostring(job.returncode), job.error or ""))
end
