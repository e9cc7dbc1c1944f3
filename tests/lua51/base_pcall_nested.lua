local log = {}
local ok, err = pcall(function()
  local ok2, err2 = pcall(function()
    local ok3, err3 = pcall(error, "innermost")
    log[#log + 1] = tostring(ok3) .. ":" .. err3
    error("middle", 0)
  end)
  log[#log + 1] = tostring(ok2) .. ":" .. err2
  error({msg = "outer"})
end)
log[#log + 1] = tostring(ok) .. ":" .. err.msg
print(table.concat(log, " | "))
