print(type(string.dump), type(string.dump(function() end)))
print(pcall(string.dump, print))
