print(string.format("%u %c%c%c %5c|%-3c|", 42, 76, 117, 97, 65, 66))
print(string.format("%c", 0):byte(), #string.format("%c", 0))
