-- require, module and the loaders as Lua 5.1 runs them.
package.path = "/nonexistent/a/?.lua;/nonexistent/b/?/init.lua"
package.cpath = "/nonexistent/c/?.so"
print(pcall(require, "nosuch"))
print(pcall(require, "no.such.mod"))

-- A module from package.preload receives its name; module() returns nothing.
package.preload["m.sub"] = function(name)
  print("loading", name, select("#", module(name, package.seeall)))
  print(_NAME, _PACKAGE, _M == package.loaded[name], type(print))
  function hello() return "hello from " .. _NAME end
end
local m = require("m.sub")
print(type(m), m == package.loaded["m.sub"], m.hello(), m._PACKAGE)
print(require("m.sub") == m, m == m.sub, type(_G.m), _G.m.sub == m)

-- A non-nil result replaces what the module stored; nil keeps it; none is true.
package.preload.ret = function() package.loaded.ret = "stored"; return 42 end
package.preload.keep = function() package.loaded.keep = "stored" end
package.preload.none = function() end
print(require("ret"), require("keep"), require("none"))
print(package.loaded.ret, package.loaded.keep, package.loaded.none)

-- A module that requires itself: the loop is an error.
package.preload.loop = function() return require("loop") end
print(pcall(require, "loop"))
print(pcall(require, "loop"))

-- A loader raising an error; errors from the module itself propagate.
package.preload.bad = function() error("bad module", 0) end
print(pcall(require, "bad"))
print(pcall(require, "bad"))

-- Loaders returning numbers and other values.
table.insert(package.loaders, 2, function(name) return 7 end)
table.insert(package.loaders, 2, function(name) return {} end)
print(pcall(require, "still_missing"))
local saved = package.loaders
package.loaders = nil
print(pcall(require, "x"))
package.loaders = {}
print(pcall(require, "x"))
package.loaders = saved
package.preload = 1
print(pcall(require, "y"))
package.preload = {}
package.path = 5
print(pcall(require, "y"))
package.path = "/nonexistent/?.lua"

-- module() name conflicts and the caller check.
conflict = 1
print(pcall(module, "conflict"))
print(pcall(module, "conflict.sub"))
print(pcall(require))
print(getfenv(require) == package, getfenv(package.loaders[1]) == package)
-- (C libraries cannot be loaded by expool: only the shape of the answer.)
print(select("#", package.loadlib("a", "b")), (package.loadlib("a", "b")))
print(pcall(package.loadlib))
print(pcall(package.seeall, 1))
