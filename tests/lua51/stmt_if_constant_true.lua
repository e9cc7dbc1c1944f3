local n = 0
for i = 1, 3 do
  if true then local x = i; n = n + x end
end
print(n)
while true do
  if true then break end
end
print("out")
