local s = "Ab1 \t_!\0z"
for _, c in ipairs({"%a", "%c", "%d", "%l", "%p", "%s", "%u", "%w", "%x", "%z", "%A", "%D", "%S", "%W"}) do
  local out = {}
  for m in s:gmatch(c) do out[#out + 1] = string.byte(m) end
  print(c, table.concat(out, ","))
end
