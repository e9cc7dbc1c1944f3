local function idiv(a, b) return math.floor(a / b) end
print(idiv(7, 2), idiv(-7, 2), idiv(7, -2), idiv(1e15, 7))
print(7 - idiv(7, 3) * 3, (-7) - idiv(-7, 3) * 3)
