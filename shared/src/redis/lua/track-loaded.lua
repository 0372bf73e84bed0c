-- Remembers that a coupon is loaded, so the reconciler finds its pending index (the loaded-coupons
-- set), and that a REDIS_STREAM coupon is, so the stream workers find its stream (the stream-coupons
-- set). Kept apart from load-coupon.lua because each set lives in another cluster slot.
-- KEYS[1] loaded-coupons set | stream-coupons set
-- ARGV[1] couponId
-- Returns 1 (newly tracked) | 0 (already tracked)
return redis.call('SADD', KEYS[1], ARGV[1])
