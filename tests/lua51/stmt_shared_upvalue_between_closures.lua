local function make()
  local v = 0
  local function set(x) v = x end
  local function get() return v end
  return set, get
end
local set, get = make()
set(42)
print(get())
local set2, get2 = make()
print(get2(), get())
