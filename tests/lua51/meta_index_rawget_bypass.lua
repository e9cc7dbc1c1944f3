local t = setmetatable({present = 1}, {__index = function() return "default" end})
print(t.present, t.absent, rawget(t, "absent"))
