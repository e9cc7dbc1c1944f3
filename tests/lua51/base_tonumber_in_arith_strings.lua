local total = 0
for _, s in ipairs({"1", "2.5", "0x10", " 3 ", "1e1"}) do total = total + s end
print(total)
