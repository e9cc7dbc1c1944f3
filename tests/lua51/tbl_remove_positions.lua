local t = {1, 2, 3}
print(table.remove(t, #t), table.concat(t, ","))
print(table.remove(t, 5), table.concat(t, ","))
local e = {}
print(table.remove(e, 1), #e)
