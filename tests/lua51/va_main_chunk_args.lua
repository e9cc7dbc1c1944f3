print(select('#', ...), ...)
print(arg[0] ~= nil, #arg)
