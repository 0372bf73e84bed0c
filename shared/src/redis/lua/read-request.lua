-- Reads one request record.
-- KEYS[1] meta  KEYS[2] users  KEYS[3] pending  KEYS[4] requests  KEYS[5] stream
-- ARGV[1] requestId
-- Returns record JSON | nil (no such request)
return redis.call('HGET', KEYS[4], ARGV[1])
