print(tonumber("inf"), tonumber("-inf"), tonumber("INF"), tonumber("infinity"), tonumber("nan") ~= nil)
print(tonumber("1e400"), tonumber("-1e400"), tonumber("1e-400"))
