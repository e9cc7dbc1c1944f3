local n = 0
local function bump() n = n + 1 end
local co = coroutine.create(function() bump(); error("x") end)
coroutine.resume(co)
bump()
print(n)
