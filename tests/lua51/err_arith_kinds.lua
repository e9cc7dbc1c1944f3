local t = {}
local s = "abc"
print(pcall(function() return t + 1 end))
print(pcall(function() return 1 + t end))
print(pcall(function() return s * 2 end))
print(pcall(function() return nothere - 1 end))
print(pcall(function() return t.x / 2 end))
print(pcall(function() return -t end))
print(pcall(function() return 2 ^ {} end))
print(pcall(function() return {} % 1 end))
