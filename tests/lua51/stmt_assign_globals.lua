g1, g2 = 1, 2
g1, g2 = g2, g1
print(g1, g2)
g3, g4, g5 = "a"
print(g3, g4, g5)
