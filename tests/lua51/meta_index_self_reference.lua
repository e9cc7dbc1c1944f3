local proto = {}
proto.__index = proto
proto.kind = "proto"
local obj = setmetatable({}, proto)
print(obj.kind, obj.__index == proto)
