local x = 1
local function get() return x end
x = 2
print(get())
local t = {}
for i = 1, 2 do
  local v = i
  t[i] = function() return v end
  v = v * 100
end
print(t[1](), t[2]())
