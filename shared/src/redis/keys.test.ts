import { describe, expect, it } from "vitest";
import { createRedisKeys, DEFAULT_REDIS_KEYS } from "./keys.ts";

describe("the Redis key layout", () => {
  it("keeps the system's own names without a prefix", () => {
    const keys = DEFAULT_REDIS_KEYS;
    expect(keys.couponList("7")).toEqual([
      "coupon:{coupon:7}:meta",
      "coupon:{coupon:7}:users",
      "coupon:{coupon:7}:pending",
      "coupon:{coupon:7}:requests",
      "coupon:{coupon:7}:stream",
    ]);
    expect(keys.requestIndex("r")).toBe("request:{r}:coupon");
    expect(keys.loadedCoupons).toBe("coupons:loaded");
    expect(keys.streamCoupons).toBe("coupons:streams");
    expect(keys.streamDeadLetters).toBe("issue-stream:dead-letters");
    expect(keys.statusChannel("r")).toBe("issue-status:r");
    expect(keys.reconcileClaim("r")).toBe("reconcile-claim:{r}");
  });

  it("puts every name under a prefix, leaving each coupon's hash tag as it is", () => {
    const keys = createRedisKeys("t1:");
    const names = [
      ...keys.couponList("7"),
      keys.requestIndex("r"),
      keys.loadedCoupons,
      keys.streamCoupons,
      keys.streamDeadLetters,
      keys.statusChannel("r"),
      keys.reconcileClaim("r"),
    ];
    expect(names.every((name) => name.startsWith("t1:"))).toBe(true);
    expect(keys.coupon("7").meta).toBe("t1:coupon:{coupon:7}:meta");
  });

  it("puts a coupon's press buckets in the coupon's slot, and lookup buckets in their subject's", () => {
    const keys = createRedisKeys("t1:");
    const hashTag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];
    const user = { kind: "user", id: "42" } as const;
    const address = { kind: "address", id: "2001:db8:0:0" } as const;
    expect(keys.pressBucket("7", user)).toBe("t1:coupon:{coupon:7}:rate:user:42");
    for (const subject of [user, address])
      expect(hashTag(keys.pressBucket("7", subject))).toBe(hashTag(keys.coupon("7").meta));
    expect(keys.lookupBucket(user)).toBe("t1:rate:{user:42}:lookups");
    expect(hashTag(keys.lookupBucket(address))).toBe("address:2001:db8:0:0");
  });

  it("refuses a rate-limit subject that would move a bucket's hash tag", () => {
    const keys = createRedisKeys();
    for (const id of ["{x}", "a}b", "a b", ""]) {
      expect(() => keys.pressBucket("7", { kind: "address", id })).toThrow(/invalid rate-limit/);
      expect(() => keys.lookupBucket({ kind: "user", id })).toThrow(/invalid rate-limit/);
    }
  });

  it("refuses a prefix that would move the hash tag or break pub/sub lines", () => {
    for (const prefix of ["{t}:", "a,b:", "a b:"])
      expect(() => createRedisKeys(prefix)).toThrow(/invalid Redis key prefix/);
  });
});
