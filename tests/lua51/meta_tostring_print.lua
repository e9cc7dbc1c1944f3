local t = setmetatable({}, {__tostring = function() return "I am T" end})
print(t, tostring(t))
io.write(tostring(t), "\n")
