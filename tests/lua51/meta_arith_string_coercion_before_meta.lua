local mt = {__add = function() return "meta" end}
local t = setmetatable({}, mt)
print("10" + 5, pcall(function() return "x" + 5 end))
