print(pcall(error, setmetatable({}, {__concat = function() return "cat" end})))
