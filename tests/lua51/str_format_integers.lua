print(string.format("%d %5d %-5d| %05d %+d % d %i", 42, 42, 42, 42, 42, 42, 42))
print(string.format("%d %d %d", -7, 0, 2^31 - 1), string.format("%3d|%-3d|", -5, -5))
print(string.format("%.3d %.0d| %5.3d", 7, 0, 7))
