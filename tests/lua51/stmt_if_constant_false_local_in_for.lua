local s = 0
for _, v in ipairs{1, 2, 3} do
  if false then local x = 1 end
  s = s + v
end
print(s)
