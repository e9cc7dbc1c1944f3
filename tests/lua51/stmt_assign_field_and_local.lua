local a = {}
local d = 'e'
local f = 1
f, a.d = f, d
print(f, a.d)
a.d, f = d, f
print(f, a.d)
