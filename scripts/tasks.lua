-- tasks.lua: jobs grouped into tasks and subtasks, with task callbacks and a
-- task timeout.
--
--   expool scripts/tasks.lua [timeout]
--
-- The "benchmark" task holds two subtasks. "quick" runs three short jobs and
-- ends "done". "bounded" runs two jobs that would take a minute, but its
-- timeout (1 second by default) terminates them: the subtask ends "timeout",
-- and "benchmark", whose members did not all end "done", ends "failed".
-- Task callbacks nest: onstart runs when the first member starts, outermost
-- task first; ondone (only when every member is done) and onfinish run when
-- the last member has finished, innermost task first.

local timeout = tonumber(arg[1]) or 1

local function traced(spec)
  spec.onstart = function(t) print("start  " .. t.name) end
  spec.ondone = function(t) print("done   " .. t.name) end
  spec.onfinish = function(t)
    print(string.format("finish %s: %s, %d members, %d done, %d not, %.1fs",
      t.name, t.status, t.numadded, t.numdone, t.numterm, t.tstop - t.tstart))
  end
  return Task(spec)
end

local benchmark = traced{name="benchmark"}
local quick = traced{name="quick", task=benchmark}
local bounded = traced{name="bounded", task=benchmark, timeout=timeout}

local pool = ExecPool(5)
for i = 1, 3 do
  pool:execute(Job{name="quick-" .. i, task=quick, args={"sleep", "0.1"}})
end
for i = 1, 2 do
  pool:execute(Job{name="long-" .. i, task=bounded, args={"sleep", "60"},
    onfinish=function(j) print("  job " .. j.name .. ": " .. j.status) end})
end
pool:join()
