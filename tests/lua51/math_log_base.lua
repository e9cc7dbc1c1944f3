print(math.log(8) / math.log(2), math.log10(0.001), math.exp(math.log(10)))
