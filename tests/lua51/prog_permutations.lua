local function permute(a, n, out)
  n = n or #a
  if n <= 1 then out[#out + 1] = table.concat(a) return end
  for i = 1, n do
    a[n], a[i] = a[i], a[n]
    permute(a, n - 1, out)
    a[n], a[i] = a[i], a[n]
  end
end
local out = {}
permute({"a", "b", "c"}, nil, out)
table.sort(out)
print(#out, table.concat(out, " "))
