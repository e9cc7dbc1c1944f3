local buf = {}
for i = 1, 10 do buf[#buf + 1] = string.format("%02d:%5.2f", i, i / 7) end
print(table.concat(buf, " "))
