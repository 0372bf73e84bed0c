-- Reads what admission knows of a coupon.
-- KEYS[1] meta  KEYS[2] users  KEYS[3] pending  KEYS[4] requests  KEYS[5] stream
-- Returns {total, issued, pending count, remaining} (remaining never below 0) | {} (not loaded)
local meta = redis.call('HMGET', KEYS[1], 'total', 'issued')
if not meta[1] then
  return {}
end
local pending = redis.call('ZCARD', KEYS[3])
local remaining = tonumber(meta[1]) - tonumber(meta[2] or '0') - pending
if remaining < 0 then
  remaining = 0
end
return {tonumber(meta[1]), tonumber(meta[2] or '0'), pending, remaining}
