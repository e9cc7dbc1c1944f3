local function f(n) local ok, v = pcall(f, n + 1) if ok then return v end return n end
local depth = f(1)
print(depth > 150, depth < 250)
local mt = {}
mt.__index = function(t, k) return setmetatable({}, mt)[k] end
print(pcall(function() return setmetatable({}, mt).x end))
