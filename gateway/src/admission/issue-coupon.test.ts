import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { PermanentError } from "#shared/errors/permanent-error.ts";
import { PipelineDisabledError } from "#shared/errors/pipeline-disabled-error.ts";
import type { IssueEvent } from "#shared/issue-event.ts";
import { type AdmissionStore, createAdmissionStore } from "#shared/redis/admission-store.ts";
import { createIoredisScriptTransport } from "#shared/redis/ioredis-script-transport.ts";
import { uniqueName } from "#test-support/unique-name.ts";
import { createCouponLookups } from "./coupon-lookups.ts";
import { createIssueCoupon, type Presser } from "./issue-coupon.ts";

// issueCoupon against real Redis with the rate limits on; Kafka, the request index and the
// internal API are stand-ins that record what reached them.
const redis = new Redis(inject("testEnv").REDIS_URL);
const store = createAdmissionStore(createIoredisScriptTransport(redis), {
  keyPrefix: `${uniqueName("issue-coupon-test")}:`,
});
afterAll(() => redis.quit());

const LIMITS = {
  user: { capacity: 2, refillPerSecond: 0.01 },
  address: { capacity: 3, refillPerSecond: 0.01 },
};

function setUp({
  failProduce = false,
  refuseProduce = false,
  admissionStore = store,
}: {
  failProduce?: boolean;
  refuseProduce?: boolean;
  admissionStore?: AdmissionStore;
} = {}) {
  const produced: IssueEvent[] = [];
  const remembered: string[] = [];
  const loads: string[] = [];
  const existing = new Set<string>();
  const streamed = new Set<string>();
  const lookups = createCouponLookups({
    internalApi: {
      getCoupon: async () => null,
      async loadCoupon(couponId) {
        loads.push(couponId);
        if (!existing.has(couponId)) return null;
        await store.load({
          couponId,
          totalQuantity: 100,
          issuedCount: 0,
          startsAt: null,
          endsAt: null,
          pipeline: streamed.has(couponId) ? "REDIS_STREAM" : "KAFKA",
          issued: [],
        });
        return true;
      },
    },
  });
  const issueCoupon = createIssueCoupon({
    store: admissionStore,
    producer: {
      async produce(event) {
        if (failProduce) throw new Error("the Kafka REST proxy is away");
        if (refuseProduce)
          throw PipelineDisabledError.pressRefused(event.couponId, "KAFKA", ["REDIS_STREAM"]);
        produced.push(event);
      },
    },
    internalApi: { getRequest: async () => null },
    requestIndex: {
      remember: async (requestId) => {
        remembered.push(requestId);
      },
      lookup: async () => null,
    },
    lookups,
    rateLimits: LIMITS,
  });
  return { issueCoupon, produced, loads, existing, streamed, remembered };
}

const newCouponId = () => String(3_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
// Lookup buckets count across coupons: each test's users are its own.
let userBase = 0;
function setOfUsers() {
  userBase += 1000;
  const base = userBase;
  return (id: string, address: string | null = null): Presser => ({
    userId: String(base + Number(id)),
    address,
  });
}

describe("issueCoupon by the coupon's pipeline", () => {
  it("a REDIS_STREAM coupon's press is enqueued by the admission itself: nothing is produced, a broker away changes nothing", async () => {
    const { issueCoupon, produced, existing, streamed } = setUp({ failProduce: true });
    const user = setOfUsers();
    const couponId = newCouponId();
    existing.add(couponId);
    streamed.add(couponId);
    const answer = await issueCoupon(couponId, user("1"));
    if (answer.kind !== "IssueAccepted") throw new Error(`answered ${answer.kind}`);
    expect(produced).toEqual([]);
    const entries = await redis.xrange(store.keys.coupon(couponId).stream, "-", "+");
    expect(entries.map(([, fields]) => JSON.parse(fields[1] ?? "").requestId)).toEqual([
      answer.requestId,
    ]);
    expect(await store.readRequest(couponId, answer.requestId)).toMatchObject({
      status: "PENDING",
    });
  });

  it("a KAFKA coupon's press is produced, and withdrawn when the produce fails; its coupon has no stream", async () => {
    const { issueCoupon, existing } = setUp({ failProduce: true });
    const user = setOfUsers();
    const couponId = newCouponId();
    existing.add(couponId);
    await expect(issueCoupon(couponId, user("1"))).rejects.toThrow(/not counted/);
    expect(await redis.exists(store.keys.coupon(couponId).stream)).toBe(0);
    expect(await store.readCoupon(couponId)).toMatchObject({ pending: 0, remaining: 100 });
  });
});

describe("issueCoupon and the request index", () => {
  it("on one Redis the admission writes the index itself: the press makes no call of its own for it", async () => {
    const { issueCoupon, existing, remembered } = setUp();
    const user = setOfUsers();
    const couponId = newCouponId();
    existing.add(couponId);
    const answer = await issueCoupon(couponId, user("1"));
    if (answer.kind !== "IssueAccepted") throw new Error(`answered ${answer.kind}`);
    expect(await redis.get(store.keys.requestIndex(answer.requestId))).toBe(couponId);
    expect(remembered).toEqual([]);
  });

  it("where Redis refuses the index in the coupon's script (CROSSSLOT, a cluster), it admits without it from then on and writes the index apart", async () => {
    // The refusal as the cluster's proxy answers it: the script did not run at all.
    const indexedCalls: string[] = [];
    const clusterLike: AdmissionStore = {
      ...store,
      async admit(input) {
        if (input.indexTtlSeconds !== undefined) {
          indexedCalls.push(input.requestId);
          throw new PermanentError(
            "Redis refused the command: Command failed: CROSSSLOT Keys in request don't hash to the same slot",
          );
        }
        return store.admit(input);
      },
    };
    const { issueCoupon, existing, remembered, produced } = setUp({ admissionStore: clusterLike });
    const user = setOfUsers();
    const couponId = newCouponId();
    existing.add(couponId);
    const first = await issueCoupon(couponId, user("1"));
    const second = await issueCoupon(couponId, user("2"));
    if (first.kind !== "IssueAccepted" || second.kind !== "IssueAccepted")
      throw new Error(`answered ${first.kind}, ${second.kind}`);
    expect(indexedCalls).toHaveLength(1);
    expect(remembered).toEqual([first.requestId, second.requestId]);
    expect(produced.map((event) => event.requestId)).toEqual([first.requestId, second.requestId]);
    expect(await store.readCoupon(couponId)).toMatchObject({ pending: 2 });
  });
});

describe("issueCoupon where the KAFKA pipeline does not run", () => {
  it("refuses a KAFKA coupon's press as such, its admission withdrawn: not an invitation to retry", async () => {
    const { issueCoupon, existing } = setUp({ refuseProduce: true });
    const user = setOfUsers();
    const couponId = newCouponId();
    existing.add(couponId);
    const refused = await issueCoupon(couponId, user("1")).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PipelineDisabledError);
    expect(refused).toMatchObject({
      retriable: false,
      message: expect.stringMatching(`Coupon ${couponId} is on the KAFKA pipeline`),
    });
    expect(await store.readCoupon(couponId)).toMatchObject({ pending: 0, remaining: 100 });
  });
});

describe("issueCoupon under rate limits", () => {
  it("answers RateLimited past the user's bucket, and produces nothing for it", async () => {
    const { issueCoupon, produced, existing } = setUp();
    const user = setOfUsers();
    const couponId = newCouponId();
    existing.add(couponId);
    const kinds = [];
    for (let i = 0; i < 4; i++) kinds.push((await issueCoupon(couponId, user("1"))).kind);
    expect(kinds).toEqual(["IssueAccepted", "AlreadyRequested", "RateLimited", "RateLimited"]);
    expect(produced.map((event) => event.userId)).toEqual([user("1").userId]);
  });

  it("answers RateLimited past the address's bucket: those users are neither admitted nor produced", async () => {
    const { issueCoupon, produced, existing } = setUp();
    const user = setOfUsers();
    const couponId = newCouponId();
    existing.add(couponId);
    const answers = [];
    for (const id of ["1", "2", "3", "4", "5"])
      answers.push(await issueCoupon(couponId, user(id, "198.51.100.1")));
    expect(answers.map((a) => a.kind)).toEqual([
      "IssueAccepted",
      "IssueAccepted",
      "IssueAccepted",
      "RateLimited",
      "RateLimited",
    ]);
    expect(answers[3]).toMatchObject({ retryAfterMs: expect.any(Number) });
    const admitted = ["1", "2", "3"].map((id) => user(id).userId);
    expect(produced.map((event) => event.userId)).toEqual(admitted);
    const slots = await redis.hkeys(store.keys.coupon(couponId).users);
    expect(slots.sort()).toEqual(admitted);
    // An exempt client (null address) is limited by its user alone.
    expect((await issueCoupon(couponId, user("6"))).kind).toBe("IssueAccepted");
  });

  it("loads a coupon Redis does not know once, and the first press of it takes one token", async () => {
    const { issueCoupon, loads, existing } = setUp();
    const user = setOfUsers();
    const couponId = newCouponId();
    existing.add(couponId);
    expect((await issueCoupon(couponId, user("1"))).kind).toBe("IssueAccepted");
    expect(loads).toEqual([couponId]);
    // Capacity 2: the load's admission took one press token, so one more press is taken.
    expect((await issueCoupon(couponId, user("1"))).kind).toBe("AlreadyRequested");
    expect((await issueCoupon(couponId, user("1"))).kind).toBe("RateLimited");
  });

  it("answers NOT_FOUND for unknown ids from memory, and RateLimited once a user's lookups are used up", async () => {
    const { issueCoupon, loads } = setUp();
    const user = setOfUsers();
    const unknown = newCouponId();
    for (let i = 0; i < 5; i++)
      expect(await issueCoupon(unknown, user("7"))).toEqual({
        kind: "CouponNotAvailable",
        couponId: unknown,
        reason: "NOT_FOUND",
      });
    expect(loads).toEqual([unknown]);
    const others = [newCouponId(), newCouponId()];
    expect((await issueCoupon(others[0] as string, user("7"))).kind).toBe("CouponNotAvailable");
    expect((await issueCoupon(others[1] as string, user("7"))).kind).toBe("RateLimited");
    expect(loads).toEqual([unknown, others[0]]);
  });
});
