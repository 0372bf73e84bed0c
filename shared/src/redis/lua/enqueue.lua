-- Appends an admitted request's event to its coupon's stream again. The reconciler ("pending"),
-- for a request of a REDIS_STREAM coupon still pending long after admission: appended only while
-- Redis holds it admitted and undecided, and only when the entry admit.lua appended is no longer in
-- the stream (a request simply waiting its turn is not appended twice). Dead-letter replay
-- ("replay"): always appended; PostgreSQL decides the request again, idempotently.
-- KEYS[1] meta  KEYS[2] users  KEYS[3] pending  KEYS[4] requests  KEYS[5] stream
-- ARGV[1] requestId  ARGV[2] the event's JSON  ARGV[3] "pending" | "replay"
-- Returns 1 (appended) | 0 (not appended: no longer pending, or its entry still waits)
if ARGV[3] ~= 'replay' then
  if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
    return 0
  end
  local stored = redis.call('HGET', KEYS[4], ARGV[1])
  local entryId = stored and cjson.decode(stored).entryId
  if entryId and #redis.call('XRANGE', KEYS[5], entryId, entryId) > 0 then
    return 0
  end
end
redis.call('XADD', KEYS[5], '*', 'event', ARGV[2])
return 1
