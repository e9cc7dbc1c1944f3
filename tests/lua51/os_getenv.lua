print(os.getenv("HOME") ~= nil, os.getenv("THIS_VARIABLE_IS_NOT_SET_XYZ"), type(os.getenv("PATH")))
print(pcall(os.getenv))
