local function f() error(42, 1) end
print(pcall(f))
local function g() error("msg" .. 1) end
print(pcall(g))
