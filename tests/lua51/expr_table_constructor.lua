local t = {1, 2, 3; "four", [10] = "ten", x = "ex", ["y z"] = "why", [1.5] = "float"}
print(t[1], t[4], t[10], t.x, t["y z"], t[1.5], t[5])
local u = {[1] = "a", "b"}
print(u[1])
local function three() return 1, 2, 3 end
local v = {three(), three()}
print(#v, v[1], v[2], v[4])
local w = {three(), nil}
print(w[1], w[2])
