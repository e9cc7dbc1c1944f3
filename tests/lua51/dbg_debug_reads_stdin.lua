print("before")
debug.debug()
print("after")
