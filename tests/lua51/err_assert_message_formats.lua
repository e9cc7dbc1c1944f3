print(pcall(assert, false, "plain"))
print(pcall(assert, nil, 12))
print(pcall(function() assert(false) end))
print(pcall(function() assert(nil, "in func") end))
