local function newCounter()
  local count = 0
  local self = {}
  function self.inc() count = count + 1; return self end
  function self.get() return count end
  return self
end
local c1, c2 = newCounter(), newCounter()
c1.inc().inc().inc()
c2.inc()
print(c1.get(), c2.get())
