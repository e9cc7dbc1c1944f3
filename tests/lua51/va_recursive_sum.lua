local function sum(first, ...)
  if first == nil then return 0 end
  return first + sum(...)
end
print(sum(1, 2, 3, 4, 5))
