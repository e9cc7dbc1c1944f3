print(0/0, -(0/0), math.sqrt(-1), math.huge - math.huge, math.huge * 0)
print(string.format("%f %g %e", 0/0, -(0/0), 1/0), string.format("%.3f", -1/0))
