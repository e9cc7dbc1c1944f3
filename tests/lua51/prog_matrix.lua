local function mul(a, b)
  local r = {}
  for i = 1, #a do
    r[i] = {}
    for j = 1, #b[1] do
      local s = 0
      for k = 1, #b do s = s + a[i][k] * b[k][j] end
      r[i][j] = s
    end
  end
  return r
end
local m = mul({{1, 2}, {3, 4}}, {{0.5, 0}, {0.1, 1}})
print(m[1][1], m[1][2], m[2][1], m[2][2])
