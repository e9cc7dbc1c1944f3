-- require of Lua files found on package.path (written to a temporary place).
local base = os.tmpname()
local function write(name, text)
  local f = assert(io.open(base .. "_" .. name .. ".lua", "w"))
  f:write(text)
  f:close()
end
local function clean(s) return (string.gsub(tostring(s), base, "TMP")) end
package.path = base .. "_?.lua"
package.cpath = ""
write("good", "local name = ...\nreturn {name = name, answer = 6 * 7}\n")
write("syntax", "local x = \nreturn\n")
write("runtime", "local t = nil\nreturn t.field\n")

local good = require("good")
print(good.name, good.answer, package.loaded.good == good)
local ok, err = pcall(require, "syntax")
print(ok, clean(err))
ok, err = pcall(require, "runtime")
print(ok, clean(err))
ok, err = pcall(require, "missing")
print(ok, clean(err))
print(loadfile(base .. "_good.lua")().answer)
ok, err = loadfile(base .. "_syntax.lua")
print(ok, clean(err))
ok, err = pcall(dofile, base .. "_runtime.lua")
print(ok, clean(err))

for _, name in ipairs({"good", "syntax", "runtime"}) do os.remove(base .. "_" .. name .. ".lua") end
os.remove(base)
