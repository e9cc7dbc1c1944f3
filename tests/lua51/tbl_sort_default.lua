local t = {5, 2, 8, 1, 9, 3, 7, 4, 6, 0}
table.sort(t)
print(table.concat(t, " "))
local s = {"pear", "apple", "fig", "banana"}
table.sort(s)
print(table.concat(s, " "))
local f = {3.5, -1, 2, 1e10, -1e10, 0}
table.sort(f)
print(table.concat(f, " "))
