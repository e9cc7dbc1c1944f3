local n = 0
local co = coroutine.wrap(function()
  local function inc() n = n + 1 end
  for i = 1, 3 do
    pcall(function() error("x") end)
    inc()
    coroutine.yield(n)
  end
end)
print(co(), co(), co())
