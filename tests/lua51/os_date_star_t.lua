local t = os.date("!*t", 1700000000)
local keys = {}
for k, v in pairs(t) do keys[#keys + 1] = k .. "=" .. tostring(v) end
table.sort(keys)
print(table.concat(keys, " "))
local u = os.date("*t", 0)
print(type(u.isdst), u.year)
