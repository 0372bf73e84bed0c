import { describe, expect, it } from "vitest";
import {
  admitResultFromReply,
  pendingRequestsFromReply,
  requestRecordFromReply,
  settleArgument,
  withdrawalArgument,
  withdrawnFromClaimReply,
} from "./lua-replies.ts";
import { failed, issued } from "./outcome.ts";

const request = {
  requestId: "0193d0a4-6f2b-7c3e-9a11-2b3c4d5e6f70",
  userId: "5",
  couponId: "7",
  requestedAt: "2026-12-01T12:00:00.000Z",
};
const record = { ...request, status: "PENDING", updatedAt: request.requestedAt };

describe("admission script replies", () => {
  it("admit: every reply the script documents, and nothing else", () => {
    expect(admitResultFromReply(["ACCEPTED", "r1", "KAFKA"])).toEqual({
      kind: "accepted",
      requestId: "r1",
      pipeline: "KAFKA",
    });
    expect(admitResultFromReply(["ACCEPTED", "r1", "REDIS_STREAM"])).toEqual({
      kind: "accepted",
      requestId: "r1",
      pipeline: "REDIS_STREAM",
    });
    expect(() => admitResultFromReply(["ACCEPTED", "r1"])).toThrow(/admit script answered/);
    expect(admitResultFromReply(["ALREADY", "r1", "ISSUED"])).toEqual({
      kind: "already-requested",
      requestId: "r1",
      status: "ISSUED",
    });
    expect(admitResultFromReply(["ALREADY", "r1", ""])).toEqual({
      kind: "already-requested",
      requestId: "r1",
      status: null,
    });
    expect(admitResultFromReply(["SOLD_OUT"])).toEqual({ kind: "sold-out" });
    expect(admitResultFromReply(["NOT_LOADED"])).toEqual({ kind: "not-loaded" });
    expect(admitResultFromReply(["NOT_STARTED"])).toEqual({ kind: "not-started" });
    expect(admitResultFromReply(["ENDED"])).toEqual({ kind: "ended" });
    expect(admitResultFromReply(["RATE_LIMITED", 250])).toEqual({
      kind: "rate-limited",
      retryAfterMs: 250,
    });
    expect(() => admitResultFromReply(["RATE_LIMITED", 0])).toThrow(/admit script answered/);
    expect(() => admitResultFromReply(["RATE_LIMITED"])).toThrow(/admit script answered/);
    expect(() => admitResultFromReply(["ALREADY", "r1", "LOST"])).toThrow(/admit script answered/);
    expect(() => admitResultFromReply(["MAYBE"])).toThrow(/admit script answered/);
  });

  it("a request record is parsed from JSON text or an object; nil and '' are no record", () => {
    expect(requestRecordFromReply(JSON.stringify({ ...record, claimed: true }))).toEqual({
      ...record,
      claimed: true,
    });
    expect(requestRecordFromReply({ ...record, status: "FAILED", reason: "SOLD_OUT" })).toEqual({
      ...record,
      status: "FAILED",
      reason: "SOLD_OUT",
    });
    expect(requestRecordFromReply(null)).toBeNull();
    expect(requestRecordFromReply("")).toBeNull();
  });

  it("a record with an unknown status or reason is refused, not passed on", () => {
    expect(() => requestRecordFromReply({ ...record, status: "LOST" })).toThrow(/status/);
    expect(() =>
      requestRecordFromReply({ ...record, status: "FAILED", reason: "PRODUCE_FAILED" }),
    ).toThrow(/reason/);
    expect(() => requestRecordFromReply("{not json")).toThrow(/not JSON/);
  });

  it("pending-before: records with their admission time; a lost record is its id alone", () => {
    const reply = [
      JSON.stringify(record),
      "1764590400000",
      JSON.stringify({ requestId: "r2" }),
      "5",
    ];
    expect(pendingRequestsFromReply(reply)).toEqual([
      { record, admittedAtMs: 1764590400000 },
      { record: { requestId: "r2" }, admittedAtMs: 5 },
    ]);
    expect(pendingRequestsFromReply([])).toEqual([]);
  });

  it("claim: the withdrawn request ids", () => {
    expect(withdrawnFromClaimReply(["a", "b"])).toEqual(new Set(["a", "b"]));
    expect(withdrawnFromClaimReply([])).toEqual(new Set());
    expect(() => withdrawnFromClaimReply(3)).toThrow(/claim/);
  });
});

describe("settle script arguments", () => {
  it("an outcome becomes status, reason and the slot's holder; nothing the script does not read", () => {
    const at = new Date();
    expect(
      JSON.parse(
        settleArgument([
          { request, outcome: issued(at) },
          { request, outcome: failed("SOLD_OUT") },
          { request, outcome: failed("ALREADY_ISSUED_TO_USER", "holder") },
        ]),
      ),
    ).toEqual([
      { ...request, status: "ISSUED" },
      { ...request, status: "FAILED", reason: "SOLD_OUT" },
      { ...request, status: "FAILED", reason: "ALREADY_ISSUED_TO_USER", slotRequestId: "holder" },
    ]);
  });

  it("a withdrawal is FAILED NOT_RECORDED unless claimed", () => {
    expect(JSON.parse(withdrawalArgument(request))).toEqual([
      { ...request, status: "FAILED", reason: "NOT_RECORDED", unlessClaimed: true },
    ]);
  });
});
