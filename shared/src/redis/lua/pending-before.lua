-- Lists a coupon's pending requests admitted before a cut-off, oldest first, with their records.
-- KEYS[1] meta  KEYS[2] users  KEYS[3] pending  KEYS[4] requests  KEYS[5] stream
-- ARGV[1] cut-off (epoch ms)  ARGV[2] limit
-- Returns a flat list, oldest first:
--         {record JSON, admittedAt ms, ...} ({"requestId": id} as the record when it is gone)
--       | {} (nothing pending before the cut-off)
local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #ids, 2 do
  local record = redis.call('HGET', KEYS[4], ids[i])
  if not record then
    record = cjson.encode({requestId = ids[i]})
  end
  out[#out + 1] = record
  out[#out + 1] = ids[i + 1]
end
return out
