local f = io.tmpfile()
local mt = getmetatable(f)
local names = {}
for k in pairs(mt.__index or {}) do names[#names + 1] = k end
table.sort(names)
print(table.concat(names, " "))
f:close()
