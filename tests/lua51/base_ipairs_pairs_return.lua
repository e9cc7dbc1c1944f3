local f, s, c = ipairs({})
print(type(f), type(s), c)
local g, s2, c2 = pairs({})
print(g == next, type(s2), c2)
