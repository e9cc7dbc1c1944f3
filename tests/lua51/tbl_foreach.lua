local t = {10, 20, 30}
table.foreachi(t, function(i, v) io.write(i, "=", v, " ") end)
print()
local sum = 0
table.foreach({a = 1, b = 2}, function(k, v) sum = sum + v end)
print(sum)
print(table.foreachi({1, 2, 3}, function(i, v) if v == 2 then return "stop" .. i end end))
