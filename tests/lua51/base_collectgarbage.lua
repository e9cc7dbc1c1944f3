print(collectgarbage("collect"), collectgarbage(), type(collectgarbage("count")), collectgarbage("count") > 0)
print(type(collectgarbage("step")), type(collectgarbage("setpause", 100)), type(collectgarbage("setstepmul", 200)))
print(pcall(collectgarbage, "nope"))
