local s = string.rep("a", 12)
print(s:find(string.rep("a?", 12) .. string.rep("a", 12)))
print(("x"):rep(100):match("^(x*)x$"):len())
print(("ab"):rep(50):match("^(.-)b$"):len())
