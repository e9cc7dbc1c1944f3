local function gen(state, ctl)
  if ctl < state then return ctl + 1, "v" .. ctl, ctl * 2 end
end
for a, b, c in gen, 3, 0 do print(a, b, c) end
