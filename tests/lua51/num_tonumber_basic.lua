print(tonumber("10"), tonumber("10.5"), tonumber("-3"), tonumber("+3"), tonumber("1e-05"), tonumber("1E5"))
print(tonumber(".5"), tonumber("5."), tonumber("0.5e1"), tonumber("1e+2"), tonumber(" 42 "), tonumber("\t7\n"))
print(tonumber(10), tonumber(-0.5), tonumber(nil), tonumber(true), tonumber({}), tonumber(print))
