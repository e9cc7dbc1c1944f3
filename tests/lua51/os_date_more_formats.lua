local t = 1700000000
for _, c in ipairs({"C", "D", "e", "F", "g", "G", "h", "n", "R", "r", "t", "T", "u", "V", "z", "s", "k", "l"}) do
  io.write(c, "=", os.date("!%" .. c, t), "|")
end
print()
