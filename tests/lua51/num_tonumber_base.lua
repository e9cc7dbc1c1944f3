print(tonumber("ff", 16), tonumber("FF", 16), tonumber("zz", 36), tonumber("ZZ", 36), tonumber("777", 8))
print(tonumber("101", 2), tonumber("102", 2), tonumber("8", 8), tonumber("", 16), tonumber(" 11 ", 2))
print(tonumber("1.5", 10), tonumber("1e2", 10), tonumber("10", 10), tonumber("-ff", 16), tonumber("0x10", 16))
print(tonumber(15, 16), tonumber("7fffffff", 16), tonumber("ffffffff", 16))
