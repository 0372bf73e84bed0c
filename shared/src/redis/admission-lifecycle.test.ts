import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { uniqueName } from "#test-support/unique-name.ts";
import { FAILURE_REASONS, type FailureReason } from "../lifecycle/failure-reason.ts";
import { failed, issued, type RequestRef } from "../lifecycle/outcome.ts";
import {
  findTransition,
  type Origin,
  REFUSALS,
  type State,
  type Step,
  stateOf,
  TRANSITIONS,
} from "../lifecycle/transitions.ts";
import { uuidV7 } from "../uuid-v7.ts";
import { createAdmissionStore } from "./admission-store.ts";
import { createIoredisScriptTransport } from "./ioredis-script-transport.ts";

// The lifecycle table against the scripts that carry it out, on real Redis: every transition the
// table allows happens, with its compensation, and every refusal it lists leaves the request as it was.
const redis = new Redis(inject("testEnv").REDIS_URL);
const store = createAdmissionStore(createIoredisScriptTransport(redis), {
  keyPrefix: `${uniqueName("lifecycle-test")}:`,
});
const couponId = String(5_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
const keys = store.keys.coupon(couponId);
let nextUser = 1;

beforeAll(() =>
  store.load({
    couponId,
    totalQuantity: 1000,
    issuedCount: 0,
    startsAt: null,
    endsAt: null,
    issued: [],
  }),
);
afterAll(() => redis.quit());

/** A fresh request of a fresh user, brought into `state` the way the system brings it there. */
async function reach(state: Origin, reason?: FailureReason): Promise<RequestRef> {
  const request = {
    requestId: uuidV7(),
    userId: String(nextUser++),
    couponId,
    requestedAt: new Date().toISOString(),
  };
  if (state === "NEW") return request;
  expect((await store.admit(request)).kind).toBe("accepted");
  if (state === "PENDING") return request;
  if (state === "FAILED" && reason === "NOT_RECORDED") {
    expect(await store.withdraw(request)).toBe(true);
    return request;
  }
  await store.claim(couponId, [request.requestId]);
  if (state === "CLAIMED") return request;
  const outcome = state === "ISSUED" ? issued(new Date()) : failed(reason ?? "SOLD_OUT");
  expect(await store.settle(couponId, [{ request, outcome }], null)).toBe(1);
  return request;
}

async function apply(step: Step, request: RequestRef, to: State, reason?: FailureReason) {
  switch (step) {
    case "admit":
      return store.admit(request);
    case "claim":
      return store.claim(couponId, [request.requestId]);
    case "withdraw":
      return store.withdraw(request);
    case "settle":
    case "dead-letter": {
      const outcome = to === "ISSUED" ? issued(new Date()) : failed(reason ?? "SOLD_OUT");
      return store.settle(couponId, [{ request, outcome }], null);
    }
  }
}

async function observe(request: RequestRef) {
  const record = await store.readRequest(couponId, request.requestId);
  if (!record) throw new Error(`no record for ${request.requestId}`);
  return { state: stateOf(record), reason: record.reason, record };
}

/** What each state holds in Redis besides the record: the pending index and the user's slot. */
async function expectBookkeeping(request: RequestRef, state: State) {
  const pending = await redis.zscore(keys.pending, request.requestId);
  const slot = await redis.hget(keys.users, request.userId);
  const live = state === "PENDING" || state === "CLAIMED";
  expect(pending === null, `${state}: in the pending index`).toBe(!live);
  expect(slot, `${state}: the user's slot`).toBe(state === "FAILED" ? null : request.requestId);
}

const variants = <T>(list: readonly T[] | undefined): ReadonlyArray<T | undefined> =>
  list ?? [undefined];

describe("the lifecycle table, against the admission scripts", () => {
  for (const t of TRANSITIONS)
    for (const fromReason of variants(t.fromReasons))
      for (const reason of variants(t.reasons)) {
        const from = fromReason ? `${t.from} ${fromReason}` : t.from;
        const to = reason ? `${t.to} ${reason}` : t.to;
        it(`${from} --${t.step}--> ${to} (${t.script})`, async () => {
          const request = await reach(t.from, fromReason);
          await apply(t.step, request, t.to, reason);
          const seen = await observe(request);
          expect(seen.state).toBe(t.to);
          expect(seen.reason).toBe(reason);
          expect(
            findTransition({ from: t.from, fromReason, step: t.step, to: seen.state, reason }),
          ).toBe(t);
          await expectBookkeeping(request, t.to);
          if (t.step === "settle" || t.step === "dead-letter") {
            // Exactly once: the same outcome again changes nothing and publishes nothing.
            expect(await apply(t.step, request, t.to, reason)).toBe(0);
          }
        });
      }

  for (const r of REFUSALS) {
    const reasons = r.fromReasons ?? (r.from === "FAILED" ? FAILURE_REASONS : [undefined]);
    for (const fromReason of reasons)
      it(`${fromReason ? `${r.from} ${fromReason}` : r.from}: ${r.step} is refused`, async () => {
        const request = await reach(r.from, fromReason);
        const before = await observe(request);
        const answer = await apply(r.step, request, r.from, fromReason);
        if (r.step === "withdraw") expect(answer).toBe(false);
        if (r.step === "claim") expect(answer).toEqual(new Set([request.requestId]));
        expect((await observe(request)).record).toEqual(before.record);
        await expectBookkeeping(request, r.from);
      });
  }
});
