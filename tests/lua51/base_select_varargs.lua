local function count(...) return select('#', ...) end
print(count(), count(nil), count(nil, nil), count(1, nil, 3, nil))
local function last(...) return (select(select('#', ...), ...)) end
print(last(1, 2, 3))
