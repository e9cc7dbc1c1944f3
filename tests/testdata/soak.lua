-- The soak: N jobs on 8 workers, mixing success, failure, timeouts, restarts,
-- stubs, tasks with subtasks and jobs chained from callbacks. Every job must
-- end exactly once, the counts by status must add up to the jobs created and
-- the task counters must be consistent. checkpoint(n, failures), if the test
-- defines it, is called every 500 finished jobs. The checks keep no job or
-- task alive, so that the test can see whether expool does.
local N = tonumber(arg[1]) or 2000
local pool = ExecPool{workers=8, killgrace=0.1}

local created, finished, byStatus, problems = 0, 0, {}, {}
local tasksCreated, tasksFinished = 0, 0

local function problem(msg) problems[#problems + 1] = msg end

-- No job ends twice, and as many end as were created: each ends exactly once.
local function onfinish(j)
  j.params.ended = j.params.ended + 1
  if j.params.ended > 1 then problem("onfinish ran twice for " .. j.name) end
  finished = finished + 1
  byStatus[j.status] = (byStatus[j.status] or 0) + 1
  if finished % 500 == 0 and checkpoint then checkpoint(finished, #pool.failures) end
end

local function job(spec)
  created = created + 1
  spec.name = spec.name or ("job" .. created)
  spec.onfinish = onfinish
  spec.params = {ended=0}
  local j = Job(spec)
  pool:execute(j)
  return j
end

local function taskFinished(t)
  tasksFinished = tasksFinished + 1
  if t.numdone + t.numterm ~= t.numadded or t.numadded ~= 2 or t.tstop == nil or t.status ~= "failed" then
    problem(string.format("%s: added %d, done %d, not %d, status %s", t.name, t.numadded, t.numdone, t.numterm, t.status))
  end
end

local kinds = {
  function() job{args={"testproc", "exit", "0"}} end,
  function() job{args={"testproc", "exit", "3"}} end,
  function() job{args={"testproc", "sleep", "30"}, timeout=0.05} end,
  function() job{args={"testproc", "sleep", "30"}, timeout=0.05, ontimeout=true, maxrestarts=1} end,
  function() job{} end, -- a stub
  function() -- a chain of three, each from the previous one's ondone
    local function step(k)
      job{args={"testproc", "echo", tostring(k)}, stdout=PIPE,
        ondone=function(j) if k < 3 then step(tonumber(j.output) + 1) end end}
    end
    step(1)
  end,
  function() -- a task of jobs and a subtask
    local t = Task{name="task" .. tasksCreated + 1, onfinish=taskFinished}
    local sub = Task{name="sub" .. tasksCreated + 2, task=t, onfinish=taskFinished}
    tasksCreated = tasksCreated + 2
    job{args={"testproc", "exit", "0"}, task=t}
    job{args={"testproc", "exit", "1"}, task=sub}
    job{args={"testproc", "exit", "0"}, task=sub}
  end,
  function() job{args={"testproc", "exit", "0"}} end,
}

-- Feed the pool as it drains, as a long experiment would.
local i = 0
while i < N do
  kinds[i % #kinds + 1]()
  i = i + 1
  if pool.pending > 200 then pool:join() end
end
pool:join()

local sum = 0
for _, n in pairs(byStatus) do sum = sum + n end
if sum ~= created or finished ~= created then
  problem(string.format("created %d, finished %d, counted by status %d", created, finished, sum))
end
if tasksFinished ~= tasksCreated then
  problem(string.format("%d tasks created, %d finished", tasksCreated, tasksFinished))
end
if pool.running ~= 0 or pool.pending ~= 0 then problem("the pool is not empty after join") end

local statuses = {}
for st, n in pairs(byStatus) do statuses[#statuses + 1] = st .. "=" .. n end
table.sort(statuses)
print("created " .. created .. " finished " .. finished .. " " .. table.concat(statuses, " ") ..
  " tasks " .. tasksFinished .. " failures " .. #pool.failures)
for _, p in ipairs(problems) do print("PROBLEM: " .. p) end
