print(type(package.cpath), type(package.path), type(package.loaders), #package.loaders, type(package.preload))
package.preload["virtual"] = function(name) return {name = name} end
print(require("virtual").name, package.loaded.virtual ~= nil)
local f, err = package.loadlib("/nonexistent/lib.so", "luaopen_x")
print(f, type(err))
print(pcall(require, "no_such_module_xyz") == false)
