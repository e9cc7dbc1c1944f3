print(pcall(string.gsub, "abc", "%w", function(c) if c == "b" then error("at b") end end))
