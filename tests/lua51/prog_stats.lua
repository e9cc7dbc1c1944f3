local xs = {2.5, 3.7, 1.2, 9.9, 4.4, 6.1}
local sum, sq = 0, 0
for _, x in ipairs(xs) do sum = sum + x; sq = sq + x * x end
local mean = sum / #xs
local var = sq / #xs - mean * mean
print(sum, mean, var, math.sqrt(var))
print(string.format("%.4f %.4e %g", mean, var, math.sqrt(var)))
