local t = {}
local n = nil
print(pcall(function() return "a" .. t end))
print(pcall(function() return n .. "a" end))
print(pcall(function() return "a" .. nothere end))
print(pcall(function() return t.field .. "x" end))
print(pcall(function() return 1 .. {} .. 2 end))
