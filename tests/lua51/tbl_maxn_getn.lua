print(table.maxn({1, 2, 3}), table.maxn({}), table.maxn({[10] = 1, [2] = 2}), table.maxn({[1.5] = 1}), table.maxn({x = 1}))
print(table.getn({1, 2, 3}), table.getn({}))
print(pcall(table.setn, {}, 1))
