print(tonumber("010"), tonumber("0010"), tonumber("-010"), tonumber("00"), tonumber("08"), tonumber("09.5"))
print(tonumber("007", 10), tonumber("010", 8), tonumber("010", 16), tonumber("010", 2))
