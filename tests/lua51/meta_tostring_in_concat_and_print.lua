local T = setmetatable({}, {__tostring = function() return "T!" end, __concat = function(a, b) return "cat" end})
print(T, tostring(T), T .. "x", "x" .. T)
print(pcall(function() return "a" .. setmetatable({}, {__tostring = function() return "no concat" end}) end))
