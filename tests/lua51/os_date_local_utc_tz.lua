print(os.date("%Y-%m-%d %H:%M:%S", 1700000000))
print(os.date("%c", 0))
