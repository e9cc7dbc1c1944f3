local c = os.clock()
print(type(c), c >= 0, c < 100)
local x = 0
for i = 1, 3e6 do x = x + i end
print(os.clock() >= c)
