print(os.time({year = 2000, month = 1, day = 1, hour = 0}) - os.time({year = 1999, month = 12, day = 31, hour = 0}))
print(os.time({year = "2000", month = "1", day = "2", hour = 12}) - os.time({year = 2000, month = 1, day = 1, hour = 12}))
