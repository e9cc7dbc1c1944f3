local ok, tb = xpcall(function() error("boom") end, debug.traceback)
print(ok, tb:match("^[^\n]*"))
print(tb:find("stack traceback:", 1, true) ~= nil)
