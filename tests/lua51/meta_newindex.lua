local log = {}
local t = setmetatable({}, {__newindex = function(tbl, k, v) log[#log + 1] = k .. "=" .. tostring(v); rawset(tbl, k, v) end})
t.a = 1; t.b = 2; t.a = 3
print(table.concat(log, " "), t.a, t.b)
local store = {}
local p = setmetatable({}, {__newindex = store})
p.x = 10
print(rawget(p, "x"), store.x)
