local base = {greet = function() return "hi" end, x = 1}
local t = setmetatable({}, {__index = base})
print(t.greet(), t.x, t.y, rawget(t, "x"))
local u = setmetatable({}, {__index = function(tbl, k) return k .. "!" end})
print(u.foo, u[1], u[2.5])
