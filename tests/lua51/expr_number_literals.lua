print(0x10, 0xff, 0XFF, 0xA, 1e2, 1E-2, .5, 5., 3.14159, 0x7fffffff)
print(1e308, 1e309, 2e-308, 4.9e-324, 5e-325)
print(007, 010, 1e+2)
