local t = setmetatable({}, {__tostring = function() return "OBJ" end})
print(pcall(string.format, "%s|%5s", t, t))
print(pcall(string.format, "%s"))
