local function f() return x end
setfenv(f, {x = "from env"})
print(f())
print(getfenv(f).x, getfenv(0) == _G, getfenv() == _G, getfenv(1) == _G)
local env = setmetatable({}, {__index = _G})
local g = loadstring("y = 5; return print ~= nil")
setfenv(g, env)
print(g(), env.y, y)
