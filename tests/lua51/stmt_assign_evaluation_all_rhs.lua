local log = {}
local function f(x) log[#log + 1] = x; return x end
local a, b, c = f(1), f(2), f(3)
print(a, b, c, table.concat(log, ","))
