local t = {1, 2, 3}
t[1], t[3] = t[3], t[1]
print(t[1], t[2], t[3])
local u = {x = "x", y = "y"}
u.x, u.y = u.y, u.x
print(u.x, u.y)
