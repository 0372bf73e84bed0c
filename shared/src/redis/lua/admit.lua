-- Admission of one user's request for one coupon, in one atomic step, behind the caller's rate
-- limits. Remaining stock is derived, never stored: total - issued - |pending|, so nothing is ever
-- decremented and then given back.
-- The rate limits are token buckets in the coupon's own cluster slot (keys.ts: per coupon and user,
-- per coupon and client address), taken here so that they cost no round trip and a limited press
-- is refused before anything else is read or written. Every press of a known coupon takes a token,
-- whatever its answer; NOT_LOADED takes none (the gateway limits those lookups apart).
-- A coupon whose pipeline is REDIS_STREAM (meta's `pipeline`) gets the accepted request appended to
-- its stream here too, in the same atomic step: no crash can separate the admission from the enqueue,
-- and the gateway produces nothing for it. The entry's one field, `event`, is the issue event's JSON.
-- The request index (requestId -> couponId, keys.ts) is written here too when the caller passes its
-- key, so an accepted press costs one call: on one Redis only, since the index key lives in the
-- request's slot, not the coupon's (on a cluster Redis refuses the script with CROSSSLOT before it
-- runs, and the caller writes the index apart).
-- KEYS[1] meta (its `presses` counted here)  KEYS[2] users  KEYS[3] pending  KEYS[4] requests  KEYS[5] stream
-- KEYS[6] the request index key, when ARGV[5] is not ""
-- KEYS[6..] or KEYS[7..] the caller's rate-limit buckets (none: no limit)
-- ARGV[1] userId  ARGV[2] requestId  ARGV[3] couponId  ARGV[4] requestedAt (ISO-8601)
-- ARGV[5] the index's time to live in seconds, or "" (or absent, when there are no buckets): no index
-- ARGV[6] ARGV[7] capacity and refill per second of the first bucket; ARGV[8] ARGV[9] of the next; ...
-- Returns {"ACCEPTED", requestId, pipeline} (KAFKA: produce it; REDIS_STREAM: already enqueued)
--       | {"ALREADY", requestId, status or ""} | {"SOLD_OUT"}
--       | {"NOT_LOADED"} | {"NOT_STARTED"} | {"ENDED"} | {"RATE_LIMITED", retryAfterMs}
--@include lib/token-bucket.lua
local meta = redis.call('HMGET', KEYS[1], 'total', 'issued', 'startsAt', 'endsAt', 'pipeline')
if not meta[1] then
  return {'NOT_LOADED'}
end
local nowMs = clockMs()
local indexed = (ARGV[5] or '') ~= ''
local firstBucket = 6
if indexed then
  firstBucket = 7
end
local retryAfterMs = takeTokens(firstBucket, 6, nowMs)
if retryAfterMs > 0 then
  return {'RATE_LIMITED', retryAfterMs}
end
-- Presses that reached admission, for the operators' dashboard (presses per second): one field
-- in meta, so it costs no key of its own; a limited press is not counted (it changes nothing).
redis.call('HINCRBY', KEYS[1], 'presses', 1)
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
local record = {
  requestId = ARGV[2], couponId = ARGV[3], userId = ARGV[1], status = 'PENDING',
  requestedAt = ARGV[4], updatedAt = ARGV[4],
}
local pipeline = 'KAFKA'
if meta[5] == 'REDIS_STREAM' then
  pipeline = 'REDIS_STREAM'
  -- The record keeps its entry's id, so the reconciler can tell an entry still waiting in the
  -- stream from one that is gone (enqueue.lua).
  record.entryId = redis.call('XADD', KEYS[5], '*', 'event', cjson.encode({
    requestId = ARGV[2], userId = ARGV[1], couponId = ARGV[3], requestedAt = ARGV[4],
    source = 'API', schemaVersion = 1,
  }))
end
redis.call('HSET', KEYS[4], ARGV[2], cjson.encode(record))
if indexed then
  redis.call('SET', KEYS[6], ARGV[3], 'EX', ARGV[5])
end
return {'ACCEPTED', ARGV[2], pipeline}
