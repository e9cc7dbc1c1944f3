print(5.5 % 2, -5.5 % 2, 5.5 % -2, 1e15 % 7, 3 % math.huge, -3 % math.huge)
print(0.3 % 0.1, 10 % 3.3, 2^53 % 3)
print(5 % 0, -5 % 0, 0 % 0)
