local t = {}
local loc
print(pcall(function() return loc.x end))
print(pcall(function() return t.a.b end))
print(pcall(function() return noglobal.x end))
print(pcall(function() loc.x = 1 end))
print(pcall(function() return (1).x end))
print(pcall(function() return ("s").x.y end))
print(pcall(function() local b = true; return b.x end))
