print(tonumber(""), tonumber(" "), tonumber("abc"), tonumber("1e"), tonumber("1e+"), tonumber("--1"))
print(tonumber("1 2"), tonumber("1,5"), tonumber("0x"), tonumber("x10"), tonumber("1.2.3"), tonumber("."))
print(tonumber("1_000"), tonumber("١"), tonumber("1f"), tonumber("e5"), tonumber("- 1"))
