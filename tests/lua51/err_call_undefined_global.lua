print(pcall(function() undefinedfn() end))
print(pcall(function() local x = undefinedvalue + 1 end))
print(pcall(function() return undefinedtable.field end))
