local nan = 0 / 0
print(nan ~= nan, nan == nan, -nan ~= -nan)
print(math.huge, -math.huge, math.huge - math.huge ~= 0)
print(tostring(1/0), tostring(-1/0), 2^1024, -(2^1024))
