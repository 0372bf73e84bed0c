import { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, inject, it } from "vitest";
import { uniqueName } from "#test-support/unique-name.ts";
import { waitUntil } from "#test-support/wait.ts";
import type { RequestRecord } from "../lifecycle/lua-replies.ts";
import { failed, issued } from "../lifecycle/outcome.ts";
import { uuidV7 } from "../uuid-v7.ts";
import { createAdmissionStore } from "./admission-store.ts";
import { createIoredisScriptTransport } from "./ioredis-script-transport.ts";

const redisUrl = inject("testEnv").REDIS_URL;
const redis = new Redis(redisUrl);
// Keys and channels of this file's own, apart from every other test's in the same Redis database.
const store = createAdmissionStore(createIoredisScriptTransport(redis), {
  keyPrefix: `${uniqueName("admission-store-test")}:`,
});
afterAll(() => redis.quit());

let couponId: string;
beforeEach(() => {
  couponId = String(1_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
});

async function load(
  total: number,
  window: { startsAt?: Date; endsAt?: Date } = {},
  issued: Array<{ userId: string; requestId: string }> = [],
) {
  await store.load({
    couponId,
    totalQuantity: total,
    issuedCount: issued.length,
    startsAt: window.startsAt ?? null,
    endsAt: window.endsAt ?? null,
    issued,
  });
}

function admit(userId: string, requestId = uuidV7()) {
  return store.admit({ couponId, userId, requestId, requestedAt: new Date().toISOString() });
}

describe("admission script", () => {
  it("answers not-loaded for a coupon Redis does not know", async () => {
    expect(await admit("1")).toEqual({ kind: "not-loaded" });
  });

  it("accepts, records the request as PENDING and indexes it as pending", async () => {
    await load(2);
    const requestId = uuidV7();
    expect(await admit("7", requestId)).toEqual({ kind: "accepted", requestId, pipeline: "KAFKA" });
    const record = await store.readRequest(couponId, requestId);
    expect(record).toMatchObject({ requestId, couponId, userId: "7", status: "PENDING" });
    expect(await redis.zscore(store.keys.coupon(couponId).pending, requestId)).not.toBeNull();
    expect(await store.readCoupon(couponId)).toEqual({
      total: 2,
      issued: 0,
      pending: 1,
      remaining: 1,
    });
  });

  it("answers a second request of the same user with the first request and its status", async () => {
    await load(5);
    const first = await admit("7");
    expect(first.kind).toBe("accepted");
    const second = await admit("7");
    expect(second).toEqual({
      kind: "already-requested",
      requestId: (first as { requestId: string }).requestId,
      status: "PENDING",
    });
    expect((await store.readCoupon(couponId))?.pending).toBe(1);
  });

  it("sells out at exactly the total, without touching anything on refusal", async () => {
    await load(3);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => admit(String(i + 1))));
    expect(results.filter((r) => r.kind === "accepted")).toHaveLength(3);
    expect(results.filter((r) => r.kind === "sold-out")).toHaveLength(7);
    expect(await redis.hlen(store.keys.coupon(couponId).users)).toBe(3);
    expect(await store.readCoupon(couponId)).toMatchObject({ remaining: 0, pending: 3 });
  });

  it("refuses before the window opens and after it closes", async () => {
    await load(3, { startsAt: new Date(Date.now() + 60_000) });
    expect(await admit("1")).toEqual({ kind: "not-started" });
    couponId = `${couponId}1`;
    await load(3, {
      startsAt: new Date(Date.now() - 120_000),
      endsAt: new Date(Date.now() - 60_000),
    });
    expect(await admit("1")).toEqual({ kind: "ended" });
  });

  it("counts users loaded from PostgreSQL as already requested, and their issues against the stock", async () => {
    const requestId = uuidV7();
    await load(2, {}, [{ userId: "9", requestId }]);
    expect(await admit("9")).toEqual({ kind: "already-requested", requestId, status: null });
    expect(await store.readCoupon(couponId)).toEqual({
      total: 2,
      issued: 1,
      pending: 0,
      remaining: 1,
    });
  });

  it("writes the request index in the same step when asked, with its time to live, and only for an accepted request", async () => {
    await load(1);
    const indexed = (userId: string, requestId: string) =>
      store.admit({
        couponId,
        userId,
        requestId,
        requestedAt: new Date().toISOString(),
        indexTtlSeconds: 600,
      });
    const accepted = uuidV7();
    expect(await indexed("1", accepted)).toEqual({
      kind: "accepted",
      requestId: accepted,
      pipeline: "KAFKA",
    });
    expect(await redis.get(store.keys.requestIndex(accepted))).toBe(couponId);
    const ttl = await redis.ttl(store.keys.requestIndex(accepted));
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    const refused = uuidV7();
    expect((await indexed("2", refused)).kind).toBe("sold-out");
    expect(await redis.exists(store.keys.requestIndex(refused))).toBe(0);
    // Without it, nothing is indexed (a cluster's gateway writes the index apart).
    couponId = `${couponId}1`;
    await load(1);
    const apart = uuidV7();
    expect((await admit("3", apart)).kind).toBe("accepted");
    expect(await redis.exists(store.keys.requestIndex(apart))).toBe(0);
  });

  it("loading an already loaded coupon keeps its live state", async () => {
    await load(2);
    await admit("1");
    await load(2);
    expect((await store.readCoupon(couponId))?.pending).toBe(1);
  });
});

describe("settle script", () => {
  it("ISSUED moves the request out of pending into issued and publishes the change once", async () => {
    await load(2);
    const requestId = uuidV7();
    await admit("5", requestId);
    const subscriber = new Redis(redisUrl);
    const channel = store.keys.statusChannel(requestId);
    const messages: RequestRecord[] = [];
    let endSeen = false;
    subscriber.on("message", (_channel, message) => {
      if (message === "end") endSeen = true;
      else messages.push(JSON.parse(message));
    });
    // Resolves once Redis confirmed the subscription: nothing published from here on is missed.
    await subscriber.subscribe(channel);
    const settlement = {
      request: { requestId, userId: "5", couponId, requestedAt: new Date().toISOString() },
      outcome: issued(new Date()),
    };
    expect(await store.settle(couponId, [settlement], 1)).toBe(1);
    expect(await store.settle(couponId, [settlement], 1)).toBe(0);
    // A channel delivers in publish order: once a marker published after both settles arrives,
    // whatever they published has arrived too.
    await redis.publish(channel, "end");
    await waitUntil(() => endSeen, { timeoutMs: 5000, what: "the marker after the settles" });
    await subscriber.quit();
    expect(messages.map((m) => m.status)).toEqual(["ISSUED"]);
    expect(await store.readCoupon(couponId)).toEqual({
      total: 2,
      issued: 1,
      pending: 0,
      remaining: 1,
    });
    expect(await admit("5")).toMatchObject({
      kind: "already-requested",
      requestId,
      status: "ISSUED",
    });
  });

  it("FAILED gives the stock and the user's slot back exactly once", async () => {
    await load(1);
    const requestId = uuidV7();
    await admit("5", requestId);
    expect((await admit("6")).kind).toBe("sold-out");
    const settlement = {
      request: { requestId, userId: "5", couponId, requestedAt: new Date().toISOString() },
      outcome: failed("DEAD_LETTERED"),
    };
    expect(await store.settle(couponId, [settlement], null)).toBe(1);
    expect(await store.settle(couponId, [settlement], null)).toBe(0);
    expect(await store.readCoupon(couponId)).toEqual({
      total: 1,
      issued: 0,
      pending: 0,
      remaining: 1,
    });
    expect(await store.readRequest(couponId, requestId)).toMatchObject({
      status: "FAILED",
      reason: "DEAD_LETTERED",
    });
    expect((await admit("5")).kind).toBe("accepted");
  });

  it("FAILED with a slot request keeps the user on the request that was issued", async () => {
    const issuedId = uuidV7();
    await load(3);
    const duplicateId = uuidV7();
    await admit("5", duplicateId);
    await store.settle(
      couponId,
      [
        {
          request: {
            requestId: duplicateId,
            userId: "5",
            couponId,
            requestedAt: new Date().toISOString(),
          },
          outcome: failed("ALREADY_ISSUED_TO_USER", issuedId),
        },
      ],
      1,
    );
    expect(await admit("5")).toMatchObject({ kind: "already-requested", requestId: issuedId });
  });

  it("an outcome for a request Redis no longer knows (data lost) recreates its record", async () => {
    await load(2);
    const requestId = uuidV7();
    await store.settle(
      couponId,
      [
        {
          request: { requestId, userId: "8", couponId, requestedAt: new Date().toISOString() },
          outcome: issued(new Date()),
        },
      ],
      1,
    );
    expect(await store.readRequest(couponId, requestId)).toMatchObject({
      status: "ISSUED",
      userId: "8",
    });
    expect(await store.readCoupon(couponId)).toMatchObject({ issued: 1, remaining: 1 });
  });
});

describe("withdrawal (gateway) against claim (consumer)", () => {
  const request = (requestId: string, userId = "5") => ({
    requestId,
    userId,
    couponId,
    requestedAt: new Date().toISOString(),
  });

  it("a withdrawal before any claim fails the request, gives stock and slot back, and the claim reports it", async () => {
    await load(1);
    const requestId = uuidV7();
    await admit("5", requestId);
    expect(await store.withdraw(request(requestId))).toBe(true);
    expect(await store.readRequest(couponId, requestId)).toMatchObject({
      status: "FAILED",
      reason: "NOT_RECORDED",
    });
    expect(await store.readCoupon(couponId)).toMatchObject({ pending: 0, remaining: 1 });
    expect(await store.claim(couponId, [requestId])).toEqual(new Set([requestId]));
    expect((await admit("5")).kind).toBe("accepted");
  });

  it("a claim before the withdrawal wins: the request stays pending for the consumer to decide", async () => {
    await load(1);
    const requestId = uuidV7();
    await admit("5", requestId);
    expect(await store.claim(couponId, [requestId])).toEqual(new Set());
    expect(await store.withdraw(request(requestId))).toBe(false);
    expect(await store.readRequest(couponId, requestId)).toMatchObject({
      status: "PENDING",
      claimed: true,
    });
    expect(await store.readCoupon(couponId)).toMatchObject({ pending: 1, remaining: 0 });
  });

  it("an outcome already recorded is not withdrawn", async () => {
    await load(1);
    const requestId = uuidV7();
    await admit("5", requestId);
    await store.settle(couponId, [{ request: request(requestId), outcome: issued(new Date()) }], 1);
    expect(await store.withdraw(request(requestId))).toBe(false);
    expect((await store.readRequest(couponId, requestId))?.status).toBe("ISSUED");
  });

  it("a withdrawal of a request Redis lost is recorded, so the late event is not issued", async () => {
    await load(1);
    const requestId = uuidV7();
    expect(await store.withdraw(request(requestId))).toBe(true);
    expect(await store.claim(couponId, [requestId])).toEqual(new Set([requestId]));
  });
});
