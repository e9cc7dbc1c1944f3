local t = setmetatable({}, {__index = function() return "meta" end, __newindex = function() end})
print(t.x, rawget(t, "x"))
t.y = 1
print(rawget(t, "y"))
rawset(t, "y", 2)
print(rawget(t, "y"), t.y)
print(rawequal(t, t), rawequal(t, {}), rawequal(1, 1), rawequal("a", "a"))
print(pcall(rawset, t, nil, 1))
