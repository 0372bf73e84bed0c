-- Admission of one user's request for one coupon, in one atomic step.
-- Remaining stock is derived, never stored: total - issued - |pending|, so nothing is ever
-- decremented and then given back.
-- KEYS[1] meta  KEYS[2] users  KEYS[3] pending  KEYS[4] requests
-- ARGV[1] userId  ARGV[2] requestId  ARGV[3] couponId  ARGV[4] requestedAt (ISO-8601)
-- Returns {"ACCEPTED", requestId} | {"ALREADY", requestId, status or ""} | {"SOLD_OUT"}
--       | {"NOT_LOADED"} | {"NOT_STARTED"} | {"ENDED"}
local meta = redis.call('HMGET', KEYS[1], 'total', 'issued', 'startsAt', 'endsAt')
if not meta[1] then
  return {'NOT_LOADED'}
end
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if meta[3] and meta[3] ~= '' and nowMs < tonumber(meta[3]) then
  return {'NOT_STARTED'}
end
if meta[4] and meta[4] ~= '' and nowMs >= tonumber(meta[4]) then
  return {'ENDED'}
end
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  local record = redis.call('HGET', KEYS[4], existing)
  local status = ''
  if record then
    status = cjson.decode(record).status
  end
  return {'ALREADY', existing, status}
end
local remaining = tonumber(meta[1]) - tonumber(meta[2] or '0') - redis.call('ZCARD', KEYS[3])
if remaining <= 0 then
  return {'SOLD_OUT'}
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], nowMs, ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], cjson.encode({
  requestId = ARGV[2], couponId = ARGV[3], userId = ARGV[1], status = 'PENDING',
  requestedAt = ARGV[4], updatedAt = ARGV[4],
}))
return {'ACCEPTED', ARGV[2]}
