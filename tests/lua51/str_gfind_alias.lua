for w in string.gfind("one two three", "%a+") do io.write(w, ".") end print()
print(string.gfind == string.gmatch)
