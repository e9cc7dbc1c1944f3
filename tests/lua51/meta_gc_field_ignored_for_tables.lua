local t = setmetatable({}, {__gc = function() print("gc") end})
t = nil
collectgarbage()
print("done")
