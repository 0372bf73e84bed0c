-- Remembers that a coupon is loaded, so the reconciler finds its pending index.
-- Kept apart from load-coupon.lua because the set lives in another cluster slot.
-- KEYS[1] loaded-coupons set
-- ARGV[1] couponId
-- Returns 1 (newly tracked) | 0 (already tracked)
return redis.call('SADD', KEYS[1], ARGV[1])
