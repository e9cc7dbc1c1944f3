print(math.sqrt(16), math.sqrt(2), math.exp(0), math.exp(1), math.log(1), math.log(math.exp(2)))
print(math.log10(1000), math.log10(2), math.log(0), math.log(-1) ~= math.log(-1), math.pow(2, 10), math.pow(2, 0.5))
