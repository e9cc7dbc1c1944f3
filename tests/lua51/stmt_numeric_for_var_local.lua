local i = "outer"
for i = 1, 2 do end
print(i)
for i = 1, 3 do
  local j = i
  i = i * 10
  io.write(j, ":", i, " ")
end
print()
