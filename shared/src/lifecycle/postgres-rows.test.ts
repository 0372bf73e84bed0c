import { describe, expect, it } from "vitest";
import { isPersistedFailureReason } from "./failure-reason.ts";
import { outcomeOfFailure, outcomeOfPersisted, type PersistedRequest } from "./postgres-rows.ts";
import { viewOfPersisted, viewOfRecord } from "./request-view.ts";

const base = {
  requestId: "0193d0a4-6f2b-7c3e-9a11-2b3c4d5e6f70",
  userId: "5",
  couponId: "7",
  requestedAt: new Date("2026-12-01T12:00:00.000Z"),
  couponIssuedCount: 3,
};
const issuedAt = new Date("2026-12-01T12:00:01.000Z");
const issuedRow: PersistedRequest = { ...base, status: "ISSUED", issuedAt };
const failedRow: PersistedRequest = {
  ...base,
  status: "FAILED",
  reason: "ALREADY_ISSUED_TO_USER",
  existingRequestId: "holder",
  failedAt: issuedAt,
};

describe("PostgreSQL rows", () => {
  it("an issue_failure row is the failure a redelivery gets again; no holder, no field", () => {
    expect(outcomeOfFailure({ reason: "SOLD_OUT", existingRequestId: null })).toEqual({
      kind: "failed",
      reason: "SOLD_OUT",
    });
    expect(outcomeOfFailure({ reason: "ALREADY_ISSUED_TO_USER", existingRequestId: "h" })).toEqual({
      kind: "failed",
      reason: "ALREADY_ISSUED_TO_USER",
      existingRequestId: "h",
    });
  });

  it("a decided request's row is its outcome", () => {
    expect(outcomeOfPersisted(issuedRow)).toEqual({ kind: "issued", issuedAt });
    expect(outcomeOfPersisted(failedRow)).toEqual({
      kind: "failed",
      reason: "ALREADY_ISSUED_TO_USER",
      existingRequestId: "holder",
    });
  });

  it("issue_failure holds PostgreSQL's reasons, never a dead letter's", () => {
    expect(isPersistedFailureReason("NOT_RECORDED")).toBe(true);
    expect(isPersistedFailureReason("DEAD_LETTERED")).toBe(false);
    expect(isPersistedFailureReason("PRODUCE_FAILED")).toBe(false);
  });
});

describe("the API's view of a request (GraphQL IssueRequest, internal API)", () => {
  it("from PostgreSQL: updatedAt is when the row was written, reason null unless FAILED", () => {
    expect(viewOfPersisted(issuedRow)).toEqual({
      requestId: base.requestId,
      couponId: "7",
      userId: "5",
      status: "ISSUED",
      reason: null,
      requestedAt: "2026-12-01T12:00:00.000Z",
      updatedAt: "2026-12-01T12:00:01.000Z",
    });
    expect(viewOfPersisted(failedRow)).toMatchObject({
      status: "FAILED",
      reason: "ALREADY_ISSUED_TO_USER",
    });
  });

  it("from Redis: the claim is internal and not shown; a missing reason is null", () => {
    const record = {
      requestId: "r",
      couponId: "7",
      userId: "5",
      status: "PENDING" as const,
      requestedAt: "a",
      updatedAt: "b",
      claimed: true,
    };
    expect(viewOfRecord(record)).toEqual({
      requestId: "r",
      couponId: "7",
      userId: "5",
      status: "PENDING",
      reason: null,
      requestedAt: "a",
      updatedAt: "b",
    });
  });
});
