-- Records outcomes of requests of one coupon: the status, the user's slot, the pending index and
-- the issued count move together, and each change is published to the request's channel.
-- Idempotent: an outcome already recorded changes nothing and is not published again, so a
-- compensation (FAILED: slot freed, stock back through the derived remaining) happens exactly once.
-- KEYS[1] meta  KEYS[2] users  KEYS[3] pending  KEYS[4] requests  KEYS[5] stream
-- ARGV[1] issued: PostgreSQL's issued_count after the outcomes were committed, or "" if unknown
-- ARGV[2] updatedAt (ISO-8601)
-- ARGV[3] channel prefix (the request id is appended)
-- ARGV[4] JSON array of {requestId, userId, couponId, requestedAt, status, reason?, slotRequestId?,
--         unlessClaimed?}
--         slotRequestId: the request that keeps the user's slot (another request already issued)
--         unlessClaimed: a withdrawal, which a consumer's claim (claim.lua) overrides
-- Returns n (the number of records changed)
--       | 0 (every outcome already recorded, or the withdrawal refused)
if ARGV[1] ~= '' and redis.call('EXISTS', KEYS[1]) == 1 then
  local known = tonumber(redis.call('HGET', KEYS[1], 'issued') or '0')
  if tonumber(ARGV[1]) > known then
    redis.call('HSET', KEYS[1], 'issued', ARGV[1])
  end
end
local changed = 0
for _, outcome in ipairs(cjson.decode(ARGV[4])) do
  local rid = outcome.requestId
  local stored = redis.call('HGET', KEYS[4], rid)
  local record
  if stored then
    record = cjson.decode(stored)
  else
    record = {requestId = rid, couponId = outcome.couponId, userId = outcome.userId,
              requestedAt = outcome.requestedAt}
  end
  -- A withdrawal yields to a consumer that holds the event, and to an outcome already recorded.
  local withdrawalRefused = outcome.unlessClaimed and
    (record.claimed or (stored and record.status ~= 'PENDING'))
  if not withdrawalRefused then
    redis.call('ZREM', KEYS[3], rid)
  end
  if not withdrawalRefused and record.status ~= outcome.status then
    record.status = outcome.status
    record.updatedAt = ARGV[2]
    if outcome.status == 'FAILED' then
      record.reason = outcome.reason
      local slot = redis.call('HGET', KEYS[2], outcome.userId)
      if type(outcome.slotRequestId) == 'string' then
        redis.call('HSET', KEYS[2], outcome.userId, outcome.slotRequestId)
      elseif slot == rid then
        redis.call('HDEL', KEYS[2], outcome.userId)
      end
    else
      record.reason = nil
      redis.call('HSET', KEYS[2], outcome.userId, rid)
    end
    local encoded = cjson.encode(record)
    redis.call('HSET', KEYS[4], rid, encoded)
    redis.call('PUBLISH', ARGV[3] .. rid, encoded)
    changed = changed + 1
  end
end
return changed
