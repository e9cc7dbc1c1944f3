local E = {}
local function thrower() error(E) end
local function mid() thrower() end
local ok, got = pcall(mid)
print(ok, got == E)
