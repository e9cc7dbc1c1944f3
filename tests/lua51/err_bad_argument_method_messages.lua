local s = "x"
print(pcall(function() return s:rep({}) end))
print(pcall(function() return s:sub({}) end))
print(pcall(function() return io.stdout:write({}) end))
