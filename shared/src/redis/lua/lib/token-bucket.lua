-- Token buckets, for the scripts that check a rate limit (inlined where a script says
-- "--@include lib/token-bucket.lua": generate-lua-sources.ts). A bucket holds `capacity` tokens and
-- gets `perSecond` back each second; a call takes one. It is kept as one number, the time (epoch
-- ms) at which it is full again (the GCRA form of a token bucket): a missing key is a full bucket,
-- and the key expires when the bucket is full again, so an idle caller costs no memory.

-- What taking one token at nowMs would leave: the bucket's new full-again time, and how many whole
-- ms the caller must wait first (> 0: no token left, nothing may be taken). The thousandth of a ms
-- forgives the rounding of fractional intervals (a refill that does not divide 1000).
local function bucketTake(key, capacity, perSecond, nowMs)
  local interval = 1000 / perSecond
  local fullAt = math.max(tonumber(redis.call('GET', key) or '0'), nowMs)
  local after = fullAt + interval
  return after, math.ceil(after - nowMs - capacity * interval - 0.001)
end

-- Takes the token bucketTake computed. At least 1 ms to live: a refill so fast that its interval
-- is lost in the clock's magnitude leaves after == nowMs.
local function bucketStore(key, after, nowMs)
  redis.call('SET', key, after, 'PX', math.max(1, math.ceil(after - nowMs)))
end

-- Takes one token from each bucket KEYS[first..], whose capacity and refill per second are
-- ARGV[argFirst], ARGV[argFirst + 1] for the first, the next two for the next, and so on. All or
-- none: when any bucket is empty, nothing is taken and the answer is the wait in ms (the longest);
-- 0 when every token was taken.
local function takeTokens(first, argFirst, nowMs)
  local wait = 0
  local after = {}
  for i = first, #KEYS do
    local arg = argFirst + (i - first) * 2
    local due, waitMs = bucketTake(KEYS[i], tonumber(ARGV[arg]), tonumber(ARGV[arg + 1]), nowMs)
    after[i] = due
    if waitMs > wait then
      wait = waitMs
    end
  end
  if wait > 0 then
    return wait
  end
  for i = first, #KEYS do
    bucketStore(KEYS[i], after[i], nowMs)
  end
  return 0
end

local function clockMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
