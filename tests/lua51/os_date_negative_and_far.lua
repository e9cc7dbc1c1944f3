print(os.date("!%Y-%m-%d %H:%M:%S", -86400), os.date("!%Y-%m-%d", 4102444800), os.date("!%A %j", 951782400))
print(os.time({year = 1969, month = 12, day = 31, hour = 23, min = 59, sec = 59}))
