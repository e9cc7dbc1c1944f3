local s = tostring(12) .. tostring(3.5) .. tostring(-0.0) .. tostring(1e300)
print(s, #s)
print(tostring("x"), tostring(nil), tostring(false), tostring(true))
