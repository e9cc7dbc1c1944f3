local function f() return debug.getinfo(1, "Sl") end
local info = f()
print(info.short_src, info.source, info.currentline, info.what, info.linedefined)
local g = debug.getinfo(print)
print(g.what, g.short_src, g.source)
local function named() return debug.getinfo(1, "n") end
local n = named()
print(n.name, n.namewhat)
