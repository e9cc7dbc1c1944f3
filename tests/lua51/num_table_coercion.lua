local t = {"a", "b", "c", "d"}
print(table.concat(t, ",", "2", "3"))
table.insert(t, "1", "z")
print(table.concat(t, ","))
print(table.remove(t, "1"), #t)
print(table.concat({1, 2.5, 3}, "-"))
print(unpack({1, 2, 3}, "2"))
