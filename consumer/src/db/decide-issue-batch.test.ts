import { describe, expect, it } from "vitest";
import { decideIssueBatch, type IssueBatchState } from "./decide-issue-batch.ts";
import { issueEvent } from "./test-support/issue-events.ts";

const at = new Date("2026-12-01T12:00:00Z");
const state = (overrides: Partial<IssueBatchState> = {}): IssueBatchState => ({
  remaining: new Map([["7", 2]]),
  issued: [],
  failed: new Map(),
  ...overrides,
});

describe("decideIssueBatch", () => {
  it("issues in event order while stock lasts, then SOLD_OUT", () => {
    const events = ["1", "2", "3"].map((user) => issueEvent("7", user));
    const decision = decideIssueBatch(events, state());
    expect(decision.toIssue).toEqual(events.slice(0, 2));
    expect(decision.toFail).toEqual([
      { event: events[2], reason: "SOLD_OUT", existingRequestId: null },
    ]);
    expect(decision.settled.get(events[2]?.requestId ?? "")).toEqual({
      kind: "failed",
      reason: "SOLD_OUT",
    });
  });

  it("answers a decided request as before and writes nothing for it, ahead of every other rule", () => {
    const issued = issueEvent("7", "1");
    const failed = issueEvent("7", "2");
    const decision = decideIssueBatch([issued, failed], {
      remaining: new Map([["7", 0]]),
      issued: [{ requestId: issued.requestId, userId: "1", couponId: "7", issuedAt: at }],
      failed: new Map([
        [failed.requestId, { reason: "ALREADY_ISSUED_TO_USER", existingRequestId: "x" }],
      ]),
    });
    expect(decision.settled.get(issued.requestId)).toEqual({ kind: "issued", issuedAt: at });
    expect(decision.settled.get(failed.requestId)).toEqual({
      kind: "failed",
      reason: "ALREADY_ISSUED_TO_USER",
      existingRequestId: "x",
    });
    expect(decision.toIssue).toEqual([]);
    expect(decision.toFail).toEqual([]);
  });

  it("a withdrawn request fails NOT_RECORDED, recorded, using no stock; an issued one stays issued", () => {
    const withdrawn = issueEvent("7", "1");
    const next = issueEvent("7", "2");
    const earlier = issueEvent("7", "3");
    const decision = decideIssueBatch(
      [withdrawn, next, earlier],
      state({
        remaining: new Map([["7", 1]]),
        issued: [{ requestId: earlier.requestId, userId: "3", couponId: "7", issuedAt: at }],
        withdrawn: new Set([withdrawn.requestId, earlier.requestId]),
      }),
    );
    expect(decision.toFail).toEqual([
      { event: withdrawn, reason: "NOT_RECORDED", existingRequestId: null },
    ]);
    expect(decision.toIssue).toEqual([next]);
    expect(decision.settled.get(earlier.requestId)).toEqual({ kind: "issued", issuedAt: at });
  });

  it("a user holding the coupon is refused before stock is looked at, and uses none", () => {
    const held = issueEvent("7", "1");
    const again = issueEvent("7", "1");
    const other = issueEvent("7", "2");
    const decision = decideIssueBatch(
      [again, other],
      state({
        remaining: new Map([["7", 1]]),
        issued: [{ requestId: held.requestId, userId: "1", couponId: "7", issuedAt: at }],
      }),
    );
    expect(decision.toFail).toEqual([
      { event: again, reason: "ALREADY_ISSUED_TO_USER", existingRequestId: held.requestId },
    ]);
    expect(decision.toIssue).toEqual([other]);
  });

  it("keeps coupons apart and answers an unknown coupon without a write", () => {
    const a = issueEvent("7", "1");
    const b = issueEvent("8", "1");
    const unknown = issueEvent("9", "1");
    const decision = decideIssueBatch(
      [a, b, unknown],
      state({
        remaining: new Map([
          ["7", 1],
          ["8", 1],
        ]),
      }),
    );
    expect(decision.toIssue).toEqual([a, b]);
    expect(decision.settled.get(unknown.requestId)).toEqual({ kind: "coupon-not-found" });
    expect(decision.toFail).toEqual([]);
  });
});
