print(tonumber("0x10"), tonumber("0X1F"), tonumber("0xff"), tonumber("-0x10"), tonumber(" 0x10 "))
print(tonumber("0x1p4"), tonumber("0x.8"), tonumber("0xg"), tonumber("0x7fffffffffffffff"))
