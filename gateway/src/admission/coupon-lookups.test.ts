import { describe, expect, it } from "vitest";
import type { CouponJson } from "#shared/internal-api/contract.ts";
import { createCouponLookups } from "./coupon-lookups.ts";

const couponJson = (id: string): CouponJson => ({
  id,
  name: "c",
  totalQuantity: 1,
  issuedCount: 0,
  startsAt: null,
  pipeline: "KAFKA",
  endsAt: null,
});

/**
 * An internal API over a set of existing ids, counting calls. Each call reads the set when it
 * arrives (as PostgreSQL would); `hold` keeps the answers back until `release`.
 */
function fakeInternalApi(existing: Set<string>) {
  const calls = { get: 0, load: 0 };
  let release: (() => void) | undefined;
  let held: Promise<void> = Promise.resolve();
  return {
    calls,
    hold() {
      held = new Promise((resolve) => (release = resolve));
    },
    release: () => release?.(),
    api: {
      async getCoupon(id: string) {
        calls.get++;
        const answer = existing.has(id) ? couponJson(id) : null;
        await held;
        return answer;
      },
      async loadCoupon(id: string) {
        calls.load++;
        const answer = existing.has(id) ? true : null;
        await held;
        return answer;
      },
    },
  };
}

function clock() {
  let time = 1_000_000;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe("coupon lookups", () => {
  it("asks once for an unknown id within the time it is remembered, and again after", async () => {
    const fake = fakeInternalApi(new Set());
    const time = clock();
    const lookups = createCouponLookups({ internalApi: fake.api, unknownTtlMs: 5000, ...time });
    for (let i = 0; i < 10; i++) {
      expect(await lookups.load("9")).toEqual({ kind: "unknown" });
      expect(await lookups.get("9")).toBeNull();
    }
    expect(fake.calls).toEqual({ get: 0, load: 1 });
    time.advance(5000);
    expect(await lookups.get("9")).toBeNull();
    expect(fake.calls).toEqual({ get: 1, load: 1 });
  });

  it("remembers nothing about coupons that exist, and asks each time", async () => {
    const fake = fakeInternalApi(new Set(["1"]));
    const lookups = createCouponLookups({ internalApi: fake.api });
    expect(await lookups.load("1")).toEqual({ kind: "loaded" });
    expect(await lookups.load("1")).toEqual({ kind: "loaded" });
    expect(await lookups.get("1")).toEqual(couponJson("1"));
    expect(fake.calls).toEqual({ get: 1, load: 2 });
  });

  it("shares one call among the lookups of one id at the same moment", async () => {
    const fake = fakeInternalApi(new Set());
    const lookups = createCouponLookups({ internalApi: fake.api });
    fake.hold();
    const answers = Promise.all([
      ...Array.from({ length: 50 }, () => lookups.load("9")),
      ...Array.from({ length: 50 }, () => lookups.get("9")),
    ]);
    fake.release();
    const settled = await answers;
    expect(settled.slice(0, 50)).toEqual(Array(50).fill({ kind: "unknown" }));
    expect(settled.slice(50)).toEqual(Array(50).fill(null));
    expect(fake.calls.load + fake.calls.get).toBeLessThanOrEqual(2);
  });

  it("finds a coupon at once after forget, and does not remember a lookup that overlapped its creation", async () => {
    const existing = new Set<string>();
    const fake = fakeInternalApi(existing);
    const lookups = createCouponLookups({ internalApi: fake.api });
    expect(await lookups.get("5")).toBeNull();
    existing.add("5");
    lookups.forget("5");
    expect(await lookups.get("5")).toEqual(couponJson("5"));
    // A read of "6" started before "6" was created, answered after: not remembered as unknown.
    fake.hold();
    const stale = lookups.get("6");
    existing.add("6");
    lookups.forget("6");
    fake.release();
    expect(await stale).toBeNull();
    expect(await lookups.get("6")).toEqual(couponJson("6"));
  });

  it("runs the gate only before a call it makes, and asks nothing when the gate refuses", async () => {
    const fake = fakeInternalApi(new Set(["1"]));
    const lookups = createCouponLookups({ internalApi: fake.api });
    let gated = 0;
    const refuse = async () => {
      gated++;
      return 250;
    };
    expect(await lookups.load("1", refuse)).toEqual({ kind: "rate-limited", retryAfterMs: 250 });
    expect(fake.calls.load).toBe(0);
    expect(await lookups.load("2", async () => 0)).toEqual({ kind: "unknown" });
    // Known unknown: no call, so no gate.
    expect(await lookups.load("2", refuse)).toEqual({ kind: "unknown" });
    expect(gated).toBe(1);
  });

  it("makes one call when many callers pass a slow gate and the first call ends before the last gate", async () => {
    const fake = fakeInternalApi(new Set());
    const lookups = createCouponLookups({ internalApi: fake.api });
    const gates: Array<() => void> = [];
    const gate = () => new Promise<number>((resolve) => gates.push(() => resolve(0)));
    const answers = Array.from({ length: 5 }, () => lookups.load("9", gate));
    await Promise.resolve();
    gates[0]?.();
    expect(await answers[0]).toEqual({ kind: "unknown" });
    for (const open of gates.slice(1)) open();
    expect(await Promise.all(answers)).toEqual(Array(5).fill({ kind: "unknown" }));
    expect(fake.calls.load).toBe(1);
  });

  it("keeps at most maxUnknown ids, forgetting the oldest first", async () => {
    const fake = fakeInternalApi(new Set());
    const lookups = createCouponLookups({ internalApi: fake.api, maxUnknown: 2 });
    for (const id of ["1", "2", "3"]) await lookups.get(id);
    expect(fake.calls.get).toBe(3);
    await lookups.get("3");
    await lookups.get("2");
    expect(fake.calls.get).toBe(3);
    await lookups.get("1");
    expect(fake.calls.get).toBe(4);
  });

  it("asks every time when remembering is off", async () => {
    const fake = fakeInternalApi(new Set());
    const lookups = createCouponLookups({ internalApi: fake.api, unknownTtlMs: 0 });
    await lookups.get("9");
    await lookups.get("9");
    expect(fake.calls.get).toBe(2);
  });
});
