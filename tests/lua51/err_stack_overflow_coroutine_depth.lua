-- Lua 5.1's depth limit in a fresh thread: 16,383 calls (its array of calls
-- doubles from 8, and a size above LUAI_MAXCALLS, 20,000, is an error).
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(coroutine.resume(coroutine.create(depth), 16382))
local ok, e = coroutine.resume(coroutine.create(depth), 16383)
print(ok, (tostring(e):gsub("^.-:%d+: ", "")))
print(pcall(depth, 16000))
