for i = 1, 3 do
  local x
  if i == 1 then x = "set" end
  print(i, x)
end
for i = 1, 2 do
  local a, b
  print(a, b)
  a, b = 1, 2
end
