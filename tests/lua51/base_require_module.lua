local f = io.open("mymod.lua", "w")
f:write("local M = {}\nfunction M.hi() return 'hi from mod' end\nloads = (loads or 0) + 1\nreturn M\n")
f:close()
package.path = "./?.lua;" .. package.path
local m = require("mymod")
local m2 = require("mymod")
print(m.hi(), m == m2, loads, package.loaded.mymod == m)
print(pcall(require, "does.not.exist") == false)
os.remove("mymod.lua")
