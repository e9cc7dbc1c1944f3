print(string.format("%f %e %g", 1/0, -1/0, 1/0), string.format("%5.1f|%-6g|", 1/0, -1/0))
print(string.format("%.1f", 0/0):gsub("-", ""), string.format("%d", 3.0))
