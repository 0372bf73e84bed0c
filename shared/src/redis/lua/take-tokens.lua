-- Takes one token from each of a caller's rate-limit buckets, all or none (lib/token-bucket.lua).
-- The gateway checks the buckets that cannot share a coupon's cluster slot with it (the lookups
-- of coupons Redis does not know) here, one call per slot.
-- KEYS[1..n] buckets, all in one cluster slot
-- ARGV[1] ARGV[2] capacity and refill per second of KEYS[1]; ARGV[3] ARGV[4] of KEYS[2]; ...
-- Returns 0 (every token taken) | retryAfterMs (a bucket is empty: nothing taken)
--@include lib/token-bucket.lua
return takeTokens(1, 1, clockMs())
