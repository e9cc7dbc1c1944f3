print("line 1")
local t = {}
t.x.y = 1
