print(("path/to/file"):gsub("/", "\\"))
print(("a"):gsub("a", "%%1"))
print(pcall(string.gsub, "a", "a", "%"))
