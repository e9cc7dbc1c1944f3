local getters = {}
for i = 1, 3 do
  local v = i * 10
  getters[i] = function() return v end
  v = v + 1
end
print(getters[1](), getters[2](), getters[3]())
