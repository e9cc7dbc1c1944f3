local done = 0
local results = {}
local function ondone(i)
  if i % 3 == 0 then error("job " .. i .. " broke") end
  done = done + 1
  results[#results + 1] = i
end
for i = 1, 10 do
  local ok, err = pcall(ondone, i)
  if not ok then io.write("error: ", err, "\n") end
end
print(done, table.concat(results, ","))
