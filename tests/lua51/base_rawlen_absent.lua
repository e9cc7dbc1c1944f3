print(rawlen, table.pack, table.unpack, bit32, utf8, load ~= nil, math.log(8, 2) == math.log(8))
