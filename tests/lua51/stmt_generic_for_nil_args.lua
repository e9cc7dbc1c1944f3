-- issue 514: a bare call at the start of the loop body
local function f(a, b) return tostring(a) .. "/" .. tostring(b) end
for _, v in ipairs({1, 2}) do print(f()) end
for _, v in ipairs({1, 2}) do print(f()) end
