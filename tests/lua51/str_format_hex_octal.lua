print(string.format("%x %X %#x %#X %o %#o", 255, 255, 255, 255, 8, 8))
print(string.format("%x %08x %-8x|", 3735928559, 48879, 48879))
print(string.format("%x %X", -1, -255), string.format("%o", -1))
