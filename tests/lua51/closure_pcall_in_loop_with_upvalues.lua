local total = 0
for i = 1, 5 do
  local v = i
  local ok = pcall(function()
    if v % 2 == 0 then error("even") end
    total = total + v
  end)
  total = total + (ok and 0 or 100)
end
print(total)
