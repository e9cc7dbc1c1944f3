print(math.huge, -math.huge, math.huge > 1e308, math.huge == 1/0, -math.huge == -1/0)
print(math.huge + 1 == math.huge, math.huge / math.huge ~= math.huge / math.huge)
print(math.max(1, math.huge), math.min(-math.huge, 0), math.floor(math.huge), math.ceil(-math.huge))
