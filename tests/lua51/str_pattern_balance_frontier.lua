print(("f(a(b)c) d"):match("%b()"), ("[[x]]"):match("%b[]"), ("no"):match("%b()"))
print(("THE (quick) fox"):find("%f[%a]%a+"), ("hello world"):gsub("%f[%w]%w+", string.upper))
print(("THE (quick) fox"):gsub("%f[%a]", "|"))
