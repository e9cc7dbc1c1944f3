local a = {1, {2, {3}}}
local b = a
b[2][2][1] = "x"
print(a[2][2][1], a == b)
local c = {}
c.self = c
print(c.self.self.self == c)
