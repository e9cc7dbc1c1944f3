local t = {}
t[1] = "a"; t[2.0] = "b"; t[3] = "c"
print(#t, t[2], table.concat(t, ","))
