local ok, e = pcall(error, setmetatable({}, {__tostring = function() return "boxed" end}))
print(ok, e)
