-- sweep.lua: a parameter sweep, and the records of a long run.
--
--   expool --joblog sweep.tsv --timeline sweep.html --summary scripts/sweep.lua [runs]
--
-- Runs `runs` (default 40) trials of a noisy experiment, 4 at a time: each
-- takes a while, some fail, and some hang; a hung trial is restarted once,
-- then given up ("timeout"). Run it with --joblog to get a line per attempt,
-- with --resume as well to carry on where an interrupted run stopped, with
-- --timeline to draw the run, and on a terminal to see its progress.
local runs = tonumber(arg[1]) or 40
math.randomseed(7)  -- the same sweep every time

local pool = ExecPool{workers=4, killgrace=0.2}
local results = {}
for i = 1, runs do
  local seconds = string.format("%.2f", 0.1 + math.random() * 0.5)
  local fate = math.random(10)
  local code = fate == 1 and 3 or 0          -- one in ten fails
  if fate == 2 then seconds = "30" end       -- one in ten hangs
  pool:execute(Job{name=string.format("trial-%02d", i),
    args={"sh", "-c", 'sleep "$1"; exit "$2"', "sh", seconds, tostring(code)},
    timeout=2, ontimeout=true, maxrestarts=1,
    ondone=function(j) results[#results + 1] = j.name end})
end
pool:join()
print(string.format("%d of %d trials done, %d did not finish", #results, runs, #pool.failures))
