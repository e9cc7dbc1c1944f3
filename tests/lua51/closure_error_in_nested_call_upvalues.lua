local state = "init"
local function set(v) state = v end
local function risky() set("risky"); local t = nil; return t.x end
local ok = pcall(risky)
set(state .. "+after")
print(ok, state)
