local f = io.open("oldmod.lua", "w")
f:write("module('oldmod', package.seeall)\nfunction greet() return 'old style' end\n")
f:close()
package.path = "./?.lua;" .. package.path
require("oldmod")
print(oldmod.greet(), type(package.loaded.oldmod))
os.remove("oldmod.lua")
