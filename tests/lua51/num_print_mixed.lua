local values = {1, -1, 0, 1.5, -1.5, 1e10, 1e-10, 123456789, 1234567890123, 0.1, 2^-10, 1e300, -1e-300}
for _, v in ipairs(values) do io.write(v, " ") end
print()
for _, v in ipairs(values) do io.write(tostring(v), "|") end
print()
