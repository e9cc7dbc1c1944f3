-- The soak at scale: N jobs at once on N workers, in waves: jobs that end
-- done, failed, by their timeout, through a PIPE, and leaving a background
-- child that their group's end kills. Every job must end exactly once with
-- the status its kind gives, and all N must run at once.
local N, waves = tonumber(arg[1]) or 2000, tonumber(arg[2]) or 1
local pool = ExecPool{workers=N, killgrace=0.2}

local kinds = {
  {status="done", args={"sleep", "0.5"}},
  {status="failed", returncode=3, args={"sh", "-c", "sleep 0.3; exit 3"}},
  {status="timeout", args={"sleep", "30"}, timeout=0.3},
  {status="done", args={"sh", "-c", "echo out; sleep 0.3"}, stdout=PIPE, output="out\n"},
  {status="done", args={"sh", "-c", "sleep 30 & sleep 0.3"}},
}

local created, finished, problems, fewest = 0, 0, {}, N
local function problem(msg) if #problems < 20 then problems[#problems + 1] = msg end end

local function onfinish(j)
  local k = j.params.kind
  j.params.ended = j.params.ended + 1
  finished = finished + 1
  if j.params.ended > 1 then problem("onfinish ran twice for " .. j.name) end
  if j.status ~= k.status then problem(string.format("%s: %s (%s), want %s", j.name, j.status, tostring(j.error), k.status)) end
  if k.returncode and j.returncode ~= k.returncode then problem(j.name .. ": returncode " .. tostring(j.returncode)) end
  if k.output and j.output ~= k.output then problem(j.name .. ": output " .. tostring(j.output)) end
  if j.duration == nil or j.duration < 0 then problem(j.name .. ": duration " .. tostring(j.duration)) end
end

for w = 1, waves do
  for i = 1, N do
    local k = kinds[i % #kinds + 1]
    created = created + 1
    pool:execute(Job{name="w" .. w .. "j" .. i, args=k.args, timeout=k.timeout, stdout=k.stdout,
      params={kind=k, ended=0}, onfinish=onfinish})
  end
  -- No job finishes before the loop runs: all N have started.
  fewest = math.min(fewest, pool.running)
  pool:join()
end

if finished ~= created then problem(string.format("created %d, finished %d", created, finished)) end
if fewest ~= N then problem(string.format("only %d of %d jobs ran at once", fewest, N)) end
print(string.format("created %d, finished %d, %d at once", created, finished, fewest))
for _, p in ipairs(problems) do print("PROBLEM " .. p) end
