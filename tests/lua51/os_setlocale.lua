print(os.setlocale(), os.setlocale("C"), os.setlocale(nil, "numeric"))
print(os.setlocale("xx_YY.nope"))
