--[[ a long
comment ]] print("after")
--[==[ another ]] still comment ]==] print("after2")
local s = [[
first line
second]]
print(s)
print([==[a]]b]==])
print(#[[

x]])
