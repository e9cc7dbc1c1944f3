local t = {a = {b = {c = 1}}}
t.a.b.c, t.a.x = t.a.b.c + 1, "new"
print(t.a.b.c, t.a.x)
local k = "a"
t[k].b.c = 42
print(t.a.b.c)
