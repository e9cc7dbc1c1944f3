local now = os.time()
print(type(now), now > 1e9, now == math.floor(now))
