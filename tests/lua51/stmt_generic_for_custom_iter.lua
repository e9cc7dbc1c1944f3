local function range(n)
  local i = 0
  return function() i = i + 1; if i <= n then return i end end
end
for i in range(4) do io.write(i, " ") end print()
local function iter(s, c) if c < s then return c + 1, c * c end end
for a, b in iter, 3, 0 do print(a, b) end
