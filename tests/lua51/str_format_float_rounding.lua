print(string.format("%.2f %.2f %.2f %.1f %.0f %.0f %.0f", 2.675, 1.005, 0.125, 0.05, 0.5, 1.5, 2.5))
print(string.format("%.14g %.15g %.16g %.17g", 0.1, 0.1, 0.1, 0.1))
print(string.format("%.3f", 1e15 / 7), string.format("%.20f", 0.1))
