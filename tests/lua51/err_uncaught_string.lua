local function f() error("something failed") end
f()
