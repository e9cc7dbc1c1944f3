local lr = 0.1
local names = {}
for step = 1, 5 do names[#names + 1] = "lr_" .. lr * step end
print(table.concat(names, " "))
for lr2 = 0.1, 0.5, 0.1 do io.write("lr_" .. lr2, " ") end
print()
