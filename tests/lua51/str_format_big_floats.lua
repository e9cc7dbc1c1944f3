print(string.format("%f", 1e20), string.format("%.0f", 2^63), string.format("%f", 1e300):len())
print(string.format("%.99f", 1/3):len())
