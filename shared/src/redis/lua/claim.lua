-- A consumer claims the requests it is about to persist. From then on the gateway can no longer
-- withdraw them (settle with unlessClaimed): an event a consumer holds will be decided by
-- PostgreSQL. A request already withdrawn (FAILED NOT_RECORDED: the gateway told the caller it was
-- not counted) is reported, so the consumer records it as failed instead of issuing it.
-- KEYS[1] meta  KEYS[2] users  KEYS[3] pending  KEYS[4] requests  KEYS[5] stream
-- ARGV[1] JSON array of request ids
-- A request Redis does not know is left to PostgreSQL.
-- Returns {requestId, ...} (the withdrawn ones) | {} (none withdrawn)
local withdrawn = {}
for _, rid in ipairs(cjson.decode(ARGV[1])) do
  local stored = redis.call('HGET', KEYS[4], rid)
  if stored then
    local record = cjson.decode(stored)
    if record.status == 'FAILED' and record.reason == 'NOT_RECORDED' then
      table.insert(withdrawn, rid)
    elseif not record.claimed then
      record.claimed = true
      redis.call('HSET', KEYS[4], rid, cjson.encode(record))
    end
  end
end
return withdrawn
