print(debug.getmetatable("").__index == string, type(debug.getregistry()))
local t = {}
debug.setmetatable(t, {__index = {x = 1}})
print(t.x)
