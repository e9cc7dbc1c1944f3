local function line(f) local ok, e = pcall(f); return (e:match(":(%d+):")) end
print(line(function()
  local a = 1
  local b = nil
  return a +
    b
end))
print(line(function() local t = {} return t.x.y end))
