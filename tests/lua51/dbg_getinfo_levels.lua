local function level2() return debug.getinfo(2, "l").currentline end
local function level1()
  return level2()
end
print(level1())
print(debug.getinfo(100))
