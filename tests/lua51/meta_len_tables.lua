local t = setmetatable({1, 2, 3}, {__len = function() return 42 end})
print(#t)
