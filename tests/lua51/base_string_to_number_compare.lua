print(pcall(function() return "10" < 5 end))
print("10" == 10, tostring(10) == "10")
