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

  it("fails a request made outside its coupon's window OUTSIDE_WINDOW, using no stock or slot", () => {
    const window = {
      startsAt: new Date("2026-12-01T12:00:00Z"),
      endsAt: new Date("2026-12-01T13:00:00Z"),
    };
    const made = (iso: string, user: string) => ({ ...issueEvent("7", user), requestedAt: iso });
    const early = made("2026-12-01T11:59:54.999Z", "1");
    const late = made("2026-12-01T13:00:05.000Z", "2");
    const unreadable = made("not a time", "3");
    // Within the leeway either side: the gateway's clock and Redis's may disagree a little.
    const atStart = made("2026-12-01T11:59:55.000Z", "4");
    const atEnd = made("2026-12-01T13:00:04.999Z", "5");
    const decision = decideIssueBatch(
      [early, late, unreadable, atStart, atEnd],
      state({ remaining: new Map([["7", 2]]), windows: new Map([["7", window]]) }),
      5_000,
    );
    expect(decision.toFail).toEqual(
      [early, late, unreadable].map((event) => ({
        event,
        reason: "OUTSIDE_WINDOW",
        existingRequestId: null,
      })),
    );
    expect(decision.settled.get(late.requestId)).toEqual({
      kind: "failed",
      reason: "OUTSIDE_WINDOW",
    });
    expect(decision.toIssue).toEqual([atStart, atEnd]);
  });

  it("checks the window after a withdrawal and before the user's slot and the stock", () => {
    const window = { startsAt: null, endsAt: new Date("2026-12-01T13:00:00Z") };
    const held = issueEvent("7", "1");
    const withdrawnLate = { ...issueEvent("7", "2"), requestedAt: "2026-12-01T14:00:00Z" };
    const heldLate = { ...issueEvent("7", "1"), requestedAt: "2026-12-01T14:00:00Z" };
    const decision = decideIssueBatch(
      [withdrawnLate, heldLate],
      state({
        remaining: new Map([["7", 0]]),
        issued: [{ requestId: held.requestId, userId: "1", couponId: "7", issuedAt: at }],
        withdrawn: new Set([withdrawnLate.requestId]),
        windows: new Map([["7", window]]),
      }),
    );
    expect(decision.toFail.map((f) => f.reason)).toEqual(["NOT_RECORDED", "OUTSIDE_WINDOW"]);
  });
});
