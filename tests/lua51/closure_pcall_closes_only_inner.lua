local function outer()
  local x = 0
  local function inc() x = x + 1 end
  local ok = pcall(function()
    local y = 5
    inc()
    error("inner failure")
  end)
  inc()
  return x, ok
end
print(outer())
