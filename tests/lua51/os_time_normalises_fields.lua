local t = {year = 2023, month = 12, day = 31, hour = 25, min = 61, sec = 61}
print(os.time(t))
print(os.date("!%Y-%m-%d %H:%M:%S", os.time(t)))
