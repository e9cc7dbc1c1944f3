local mt = {}
local t = setmetatable({}, mt)
print(getmetatable(t) == mt, getmetatable({}), getmetatable("").__index == string)
print(setmetatable(t, nil) == t, getmetatable(t))
mt.__metatable = "locked"
setmetatable(t, mt)
print(getmetatable(t))
print(pcall(setmetatable, t, {}))
print(pcall(setmetatable, 1, {}))
print(pcall(setmetatable, {}, 1))
