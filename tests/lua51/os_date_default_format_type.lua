print(type(os.date()), #os.date() > 0, type(os.date("%Y")))
