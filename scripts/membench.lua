-- membench.lua: a sweep of memory-hungry jobs under a memory limit.
--
--   expool --summary scripts/membench.lua [pool-GiB]
--
-- Each job holds a buffer of `size` MiB for about a second: dd reading
-- /dev/zero in blocks of that size stands in for a graph clustering or a
-- solver whose memory grows with its input. Put your own program in args.
--
--   - The pool keeps its running jobs under memlimit (default 0.6 GiB)
--     together: a job starts only if the memory it is expected to use fits
--     (its category's peaks so far tell), and when the jobs grow over the
--     limit anyway, the one started last is stopped and requeued, to run
--     again when there is room: it is not a failure.
--   - A job over its own memlimit (0.35 GiB) ends "memory"; since the jobs
--     share a category and have sizes, the bigger ones, which would only
--     hit the same wall, are cancelled (or stopped, if they started after).
local poolGiB = tonumber(arg[1]) or 0.6

local pool = ExecPool{workers=4, memlimit=poolGiB, memsample=0.05}
for _, size in ipairs{50, 100, 150, 200, 250, 300, 400, 500} do
  pool:execute(Job{
    name = "size-" .. size,
    args = {"dd", "if=/dev/zero", "of=/dev/null", "bs=" .. size .. "M", "count=" .. math.ceil(1500 / size)},
    stderr = DEVNULL,              -- dd's statistics
    category = "dd", size = size,  -- related jobs: bigger ones need more
    memlimit = 0.35,               -- GiB
    onfinish = function(j)
      print(string.format("%-9s %-10s peak %4.0f MiB  %d restarts%s", j.name, j.status,
        (j.peakmem or 0) * 1024, j.restarts, j.error and ("  " .. j.error) or ""))
    end,
  })
end
pool:join()
