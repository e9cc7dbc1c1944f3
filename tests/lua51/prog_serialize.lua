local function ser(v, indent)
  indent = indent or ""
  if type(v) == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    local out = {"{"}
    for _, k in ipairs(keys) do out[#out + 1] = indent .. "  " .. tostring(k) .. " = " .. ser(v[k], indent .. "  ") .. "," end
    out[#out + 1] = indent .. "}"
    return table.concat(out, "\n")
  elseif type(v) == "string" then return string.format("%q", v)
  else return tostring(v) end
end
print(ser({a = 1, b = {c = "x\ny", d = {1.5, 2, 0.1 + 0.2}}, [1] = true}))
