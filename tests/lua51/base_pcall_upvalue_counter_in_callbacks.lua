local finished = 0
local callbacks = {}
for i = 1, 5 do
  callbacks[i] = function()
    if i == 2 then error("callback " .. i .. " failed") end
    finished = finished + 1
  end
end
for i = 1, 5 do
  local ok, err = pcall(callbacks[i])
  if not ok then print(err) end
end
print(finished)
