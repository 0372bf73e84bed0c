import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { uniqueName } from "#test-support/unique-name.ts";
import { uuidV7 } from "../uuid-v7.ts";
import { createAdmissionStore } from "./admission-store.ts";
import { createIoredisScriptTransport } from "./ioredis-script-transport.ts";
import type { RateLimitSubject } from "./keys.ts";
import type { SubjectLimit } from "./token-buckets.ts";

// The rate limits against real Redis: the press buckets admit.lua takes in the admission's own
// atomic step, and the lookup buckets take-tokens.lua takes on their own.
const redis = new Redis(inject("testEnv").REDIS_URL);
const store = createAdmissionStore(createIoredisScriptTransport(redis), {
  keyPrefix: `${uniqueName("token-buckets-test")}:`,
});
const keys = store.keys;
afterAll(() => redis.quit());

const newId = () => String(2_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
const user = (id: string): RateLimitSubject => ({ kind: "user", id });
const address = (id: string): RateLimitSubject => ({ kind: "address", id });
/** A limit that gives nothing back within a test: one token each 100 s. */
const noRefill = (subject: RateLimitSubject, capacity: number): SubjectLimit => ({
  subject,
  capacity,
  refillPerSecond: 0.01,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function loadedCoupon(total = 100) {
  const couponId = newId();
  await store.load({
    couponId,
    totalQuantity: total,
    issuedCount: 0,
    startsAt: null,
    endsAt: null,
    issued: [],
  });
  return couponId;
}

function press(couponId: string, userId: string, limits: SubjectLimit[], requestId = uuidV7()) {
  return store.admit({
    couponId,
    userId,
    requestId,
    requestedAt: new Date().toISOString(),
    limits,
  });
}

async function admissionState(couponId: string) {
  const coupon = keys.coupon(couponId);
  return {
    users: await redis.hgetall(coupon.users),
    pending: await redis.zcard(coupon.pending),
    requests: await redis.hlen(coupon.requests),
  };
}

describe("press buckets (admit.lua)", () => {
  it("lets a user press `capacity` times, then answers rate-limited with the wait for a token", async () => {
    const couponId = await loadedCoupon();
    const limits = [noRefill(user("7"), 3)];
    expect((await press(couponId, "7", limits)).kind).toBe("accepted");
    expect((await press(couponId, "7", limits)).kind).toBe("already-requested");
    expect((await press(couponId, "7", limits)).kind).toBe("already-requested");
    const limited = await press(couponId, "7", limits);
    expect(limited).toEqual({ kind: "rate-limited", retryAfterMs: expect.any(Number) });
    // One token each 100 s, none left: the wait is up to 100 s, and more than 99 s of it remain.
    const { retryAfterMs } = limited as { retryAfterMs: number };
    expect(retryAfterMs).toBeGreaterThan(99_000);
    expect(retryAfterMs).toBeLessThanOrEqual(100_000);
  });

  it("admits none of the presses over a client address's limit: no slot, no pending entry, no record", async () => {
    const couponId = await loadedCoupon();
    const answers = [];
    for (const userId of ["1", "2", "3", "4", "5"]) {
      const requestId = uuidV7();
      const answer = await press(
        couponId,
        userId,
        [noRefill(address("198.51.100.7"), 2)],
        requestId,
      );
      answers.push(answer.kind);
      if (answer.kind === "rate-limited")
        expect(await store.readRequest(couponId, requestId)).toBeNull();
    }
    expect(answers).toEqual([
      "accepted",
      "accepted",
      "rate-limited",
      "rate-limited",
      "rate-limited",
    ]);
    const state = await admissionState(couponId);
    expect(Object.keys(state.users).sort()).toEqual(["1", "2"]);
    expect(state.pending).toBe(2);
    expect(state.requests).toBe(2);
  });

  it("takes all of a press's tokens or none: a press the address bucket refuses leaves the user's", async () => {
    const couponId = await loadedCoupon();
    const first = await press(couponId, "1", [noRefill(user("1"), 1), noRefill(address("a"), 1)]);
    expect(first.kind).toBe("accepted");
    const refused = await press(couponId, "2", [noRefill(user("2"), 1), noRefill(address("a"), 1)]);
    expect(refused.kind).toBe("rate-limited");
    // User 2's only token is still there: from another address the press goes through.
    const elsewhere = await press(couponId, "2", [
      noRefill(user("2"), 1),
      noRefill(address("b"), 1),
    ]);
    expect(elsewhere.kind).toBe("accepted");
  });

  it("keeps each coupon's buckets apart", async () => {
    const [a, b] = [await loadedCoupon(), await loadedCoupon()];
    const limits = [noRefill(user("9"), 1)];
    expect((await press(a, "9", limits)).kind).toBe("accepted");
    expect((await press(a, "9", limits)).kind).toBe("rate-limited");
    expect((await press(b, "9", limits)).kind).toBe("accepted");
  });

  it("refills: after the wait it answered, the next press goes through", async () => {
    const couponId = await loadedCoupon();
    const limits: SubjectLimit[] = [{ subject: user("3"), capacity: 1, refillPerSecond: 20 }];
    expect((await press(couponId, "3", limits)).kind).toBe("accepted");
    const limited = await press(couponId, "3", limits);
    if (limited.kind !== "rate-limited") throw new Error(`not limited: ${limited.kind}`);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(50);
    await sleep(limited.retryAfterMs);
    expect((await press(couponId, "3", limits)).kind).toBe("already-requested");
  });

  it("counts a refill that does not divide a second exactly, and a refused press takes nothing", async () => {
    const couponId = await loadedCoupon();
    const limits: SubjectLimit[] = [{ subject: user("4"), capacity: 2, refillPerSecond: 3 }];
    await press(couponId, "4", limits);
    await press(couponId, "4", limits);
    const waits = [];
    for (let i = 0; i < 5; i++) {
      const answer = await press(couponId, "4", limits);
      if (answer.kind !== "rate-limited") throw new Error(`not limited: ${answer.kind}`);
      waits.push(answer.retryAfterMs);
    }
    // A third of a second per token; refusals take nothing, so the wait only shrinks.
    expect(waits.every((wait) => wait > 0 && wait <= 334)).toBe(true);
    expect([...waits].sort((x, y) => y - x)).toEqual(waits);
  });

  it("takes no token for a coupon Redis does not know, and none is stored", async () => {
    const couponId = newId();
    const limits = [noRefill(user("5"), 1)];
    for (let i = 0; i < 3; i++)
      expect((await press(couponId, "5", limits)).kind).toBe("not-loaded");
    expect(await redis.exists(keys.pressBucket(couponId, user("5")))).toBe(0);
  });

  it("takes a refill too fast for the clock's precision (a limit that never limits) without failing", async () => {
    const couponId = await loadedCoupon();
    const limits = [{ subject: user("8"), capacity: 1, refillPerSecond: 1e9 }];
    const kinds = [];
    for (let i = 0; i < 3; i++) kinds.push((await press(couponId, "8", limits)).kind);
    expect(kinds).toEqual(["accepted", "already-requested", "already-requested"]);
  });

  it("lets a bucket key expire when the bucket would be full again", async () => {
    const couponId = await loadedCoupon();
    await press(couponId, "6", [{ subject: user("6"), capacity: 4, refillPerSecond: 2 }]);
    // One token of four taken at two a second: full again in half a second.
    const ttl = await redis.pttl(keys.pressBucket(couponId, user("6")));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(500);
  });
});

describe("lookup buckets (take-tokens.lua)", () => {
  it("gives `capacity` lookups across coupons, then the wait; each subject has its own", async () => {
    const someone = user(newId());
    const limits = [noRefill(someone, 2)];
    expect(await store.takeLookupTokens(limits)).toBe(0);
    expect(await store.takeLookupTokens(limits)).toBe(0);
    expect(await store.takeLookupTokens(limits)).toBeGreaterThan(99_000);
    expect(await store.takeLookupTokens([noRefill(user(newId()), 2)])).toBe(0);
  });

  it("answers the longest wait of the buckets that refused", async () => {
    const short: SubjectLimit = { subject: user(newId()), capacity: 1, refillPerSecond: 10 };
    const long = noRefill(address("203.0.113.9"), 1);
    expect(await store.takeLookupTokens([short, long])).toBe(0);
    expect(await store.takeLookupTokens([short, long])).toBeGreaterThan(99_000);
  });

  it("checks nothing and answers 0 when there is no limit to take", async () => {
    expect(await store.takeLookupTokens([])).toBe(0);
  });
});
