local n = 0
local function bump() n = n + 1 end
xpcall(function() bump(); error("x") end, function(e) bump(); return e end)
bump()
print(n)
