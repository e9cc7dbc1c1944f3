print(("THE (quick) fox, [jumps] over"):gsub("%f[%a]%a+", function(w) return w:lower() end))
print(("f(a(b)c) g(d)"):gsub("%b()", "[]"))
print(("hello world"):gsub("o", {o = "0"}))
print(("abc"):gsub(".", {a = 1, b = 2.5}))
