local p = newproxy(true)
getmetatable(p).__len = function() return 7 end
print(#p)
