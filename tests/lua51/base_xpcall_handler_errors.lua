print(xpcall(function() error("a") end, function() error("b") end))
print(pcall(xpcall, function() return 1 end))
print(xpcall(function() return 1 end, nil))
