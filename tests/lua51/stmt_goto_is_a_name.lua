local t = {continue = 1}
print(t.continue)
