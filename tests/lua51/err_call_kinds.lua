local t = {}
local loc
local function up() return loc() end
print(pcall(function() t.nofield() end))
print(pcall(function() t:nomethod() end))
print(pcall(function() loc() end))
print(pcall(up))
print(pcall(function() t[1]() end))
print(pcall(function() ("x")() end))
print(pcall(function() (nil)() end))
