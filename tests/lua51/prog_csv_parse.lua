local csv = "name,score\nalice,90.5\nbob,85\ncarol,77.25\n"
local total, n = 0, 0
for line in csv:gmatch("[^\n]+") do
  local name, score = line:match("^([^,]+),([^,]+)$")
  if tonumber(score) then total = total + score; n = n + 1 end
end
print(n, total, total / n, string.format("%.3f", total / n))
