print(next({}), next({}, nil), type(next), rawequal(next, next))
local t = {x = 1}
print(next(t))
print(next(t, "x"))
print(pcall(next, t, "nope"))
