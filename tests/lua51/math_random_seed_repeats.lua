math.randomseed(7)
local a = {math.random(100), math.random(100), math.random()}
math.randomseed(7)
local b = {math.random(100), math.random(100), math.random()}
print(a[1] == b[1], a[2] == b[2], a[3] == b[3])
