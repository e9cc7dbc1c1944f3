local function count(...) return select('#', ...) end
print(count(), count(nil), count(1, 2), count(f), count(nil, nil, nil))
