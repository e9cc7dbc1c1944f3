-- Lua 5.1's string.rep has no separator: a third argument is ignored
print(string.rep("a", 3, "-"))
