local function printf(fmt, ...) io.write(string.format(fmt, ...)) end
printf("%s has %d items costing %.2f\n", "cart", 3, 19.989)
printf("%5s|%-5s|%05.1f\n", "r", "l", 3.14159)
