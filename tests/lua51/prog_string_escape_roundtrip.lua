local s = "tab\t nl\n quote\" back\\ nul\0 high\200"
local q = string.format("%q", s)
local back = loadstring("return " .. q)()
print(back == s, #q)
