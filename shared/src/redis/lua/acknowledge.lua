-- A stream worker's acknowledgement of entries whose outcome is committed in PostgreSQL and
-- recorded here: out of the group's pending list and out of the stream in one step, so the stream
-- holds exactly the entries not yet persisted (its length is the backlog) and never grows behind a
-- slow entry, as trimming below the oldest pending id would.
-- KEYS[1] meta  KEYS[2] users  KEYS[3] pending  KEYS[4] requests  KEYS[5] stream
-- ARGV[1] the consumer group  ARGV[2..] entry ids
-- Returns n (the entries acknowledged; one acknowledged before counts 0)
local acknowledged = redis.call('XACK', KEYS[5], ARGV[1], unpack(ARGV, 2))
redis.call('XDEL', KEYS[5], unpack(ARGV, 2))
return acknowledged
