local a, b = "a", "b"
local function swap() a, b = b, a end
swap()
print(a, b)
swap()
print(a, b)
