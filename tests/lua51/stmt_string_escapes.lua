print("tab\tnew\\n quote\" apos\' bell-len", #"\a\b\f\v\r")
print("\65\066\0671", #"\0\00\000", "\z" == "z")
print('\'', "\"", "a\
b")
