local function old(...) return arg.n, arg[1], arg[2] end
print(old("a", nil))
local function new(...) return select('#', ...), arg end
print(new(1, 2))
