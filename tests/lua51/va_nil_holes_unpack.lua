local function f(...) local t = {...}; return select('#', ...), #t end
print(f(1, 2, 3))
print(select('#', f(nil, nil)))
