local t = 1700000000
for _, c in ipairs({"a", "A", "b", "B", "c", "d", "H", "I", "j", "m", "M", "p", "S", "U", "w", "W", "x", "X", "y", "Y", "Z", "%"}) do
  io.write(c, "=", os.date("!%" .. c, t), "|")
end
print()
