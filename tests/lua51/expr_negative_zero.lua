print(-0, 0 * -1, -0.0, 1 / -math.huge, 0 == -0)
print(string.format("%g %f %d", -0.0, -0.0, -0.0), tostring(-0) .. "")
local z = -0
print(1 / z)
