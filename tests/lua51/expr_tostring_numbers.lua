print(tostring(1), tostring(1.5), tostring(-0.25), tostring(1e100), tostring(2^53))
print(type(tostring(10)), tostring(10) == "10", tostring(0.1 + 0.2) == "0.3")
