local function isint(x) return x == math.floor(x) end
print(isint(3), isint(3.5), isint(-2), isint(1e20), isint(2^53 + 1))
