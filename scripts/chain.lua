-- chain.lua: jobs scheduled from callbacks, each from the previous job's
-- captured output.
--
--   expool scripts/chain.lua [start...]
--
-- For each start number it follows the Collatz sequence (n/2 if n is even,
-- 3n+1 if odd) down to 1, one job per step: a piece of Lua run by expool
-- ({EXPOOL, "-e", code, n}) prints the next number, and the job's ondone reads
-- it from job.output and executes the next step. The chains run side by
-- side, each in a Task: a step added from ondone keeps its task open, so the
-- task's onfinish sees the whole chain.

local starts = {}
for i = 1, select("#", ...) do starts[i] = tonumber((select(i, ...))) end
if #starts == 0 then starts = {6, 7, 27} end

local step_code = [[
local n = tonumber((...))
if n % 2 == 0 then print(n / 2) else print(3 * n + 1) end
]]

local pool = ExecPool(2)

local function step(task, n)
  pool:execute(Job{name=task.name .. "-" .. #task.params, task=task, timeout=10,
    args={EXPOOL, "-e", step_code, tostring(n)}, stdout=PIPE,
    ondone=function(job)
      local next = tonumber(job.output)
      table.insert(task.params, next)
      if next ~= 1 then step(task, next) end
    end})
end

for _, start in ipairs(starts) do
  local chain = Task{name="chain" .. start, params={start},
    onfinish=function(task)
      print(string.format("%s: %s, %d steps: %s", task.name, task.status,
        task.numadded, table.concat(task.params, " ")))
    end}
  step(chain, start)
end
pool:join()
