print(os.date("!%Y-%m-%d %H:%M:%S", 0))
print(os.date("!%Y-%m-%d %H:%M:%S", 86400 * 365 + 3661))
print(os.date("!%c", 1700000000))
print(os.date("!%x %X %p", 1700000000))
