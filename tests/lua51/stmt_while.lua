local i, s = 0, 0
while i < 10 do
  i = i + 1
  if i % 2 == 0 then s = s + i end
end
print(i, s)
while false do print("never") end
