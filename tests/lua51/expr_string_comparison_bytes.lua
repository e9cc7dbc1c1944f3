print("a\0b" < "a\0c", "a\0" > "a", "\255" > "a", "abc" == "ab" .. "c")
local words = {"banana", "Apple", "cherry", "apple", "10", "9", "", "a b"}
table.sort(words)
print(table.concat(words, "|"))
