-- Loads a coupon's admission state from PostgreSQL (on creation, or after Redis lost it).
-- Users are loaded in chunks first and the meta hash last: admission answers NOT_LOADED until
-- meta exists, so nobody is admitted against a half-loaded user set.
-- KEYS[1] meta  KEYS[2] users  KEYS[3] pending  KEYS[4] requests  KEYS[5] stream
-- ARGV[1] "users" | "meta"
-- users: ARGV[2..] userId, requestId pairs (a chunk)
-- meta:  ARGV[2] couponId ARGV[3] total ARGV[4] issued ARGV[5] startsAt ms or "" ARGV[6] endsAt ms or ""
--        ARGV[7] pipeline (KAFKA, the default | REDIS_STREAM; fixed at creation: never rewritten)
-- Returns 1 (the chunk or meta was written)
--       | 0 (the coupon was already loaded; meta still raises issued)
if ARGV[1] == 'users' then
  if redis.call('EXISTS', KEYS[1]) == 1 then
    return 0
  end
  for i = 2, #ARGV, 2 do
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  end
  return 1
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  local known = tonumber(redis.call('HGET', KEYS[1], 'issued') or '0')
  if tonumber(ARGV[4]) > known then
    redis.call('HSET', KEYS[1], 'issued', ARGV[4])
  end
  return 0
end
redis.call('HSET', KEYS[1], 'total', ARGV[3], 'issued', ARGV[4], 'startsAt', ARGV[5], 'endsAt', ARGV[6],
  'pipeline', ARGV[7] or 'KAFKA')
return 1
