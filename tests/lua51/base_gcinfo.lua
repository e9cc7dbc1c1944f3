print(type(gcinfo()), gcinfo() > 0)
