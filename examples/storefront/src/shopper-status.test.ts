import { CombinedError } from "@urql/core";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import type { PressMutation } from "./gql/graphql.ts";
import { acceptsPress, describeStatus, statusOfPress, withRequestState } from "./shopper-status.ts";

const NOW = 1_000_000;
const press = (issueCoupon: PressMutation["issueCoupon"]) =>
  statusOfPress({ data: { issueCoupon } }, NOW);
const REQUEST_ID = "0190b7a4-7f00-7000-8000-000000000001";

describe("what a press answered, as the shopper reads it", () => {
  it("accepted: a request, pending, that the page then watches", () => {
    const status = press({ __typename: "IssueAccepted", requestId: REQUEST_ID, status: "PENDING" });
    expect(status).toMatchObject({ kind: "REQUEST", requestId: REQUEST_ID, already: false });
    expect(describeStatus(status, NOW)).toMatchObject({ code: "PENDING" });
    expect(acceptsPress(status, NOW)).toBe(false);
  });

  it("already requested: that request, watched, and said so", () => {
    const status = press({
      __typename: "AlreadyRequested",
      requestId: REQUEST_ID,
      status: "ISSUED",
    });
    expect(status).toMatchObject({ kind: "REQUEST", already: true, status: "ISSUED" });
    expect(describeStatus(status, NOW)).toMatchObject({
      code: "ISSUED",
      detail: expect.stringMatching(/^You already requested this coupon/),
    });
  });

  it("sold out, not started, ended, not found", () => {
    expect(describeStatus(press({ __typename: "SoldOut", couponId: "7" }), NOW).code).toBe(
      "SOLD_OUT",
    );
    for (const reason of ["NOT_STARTED", "ENDED", "NOT_FOUND"] as const) {
      const status = press({ __typename: "CouponNotAvailable", couponId: "7", reason });
      expect(describeStatus(status, NOW).code).toBe(reason);
    }
    expect(acceptsPress(press({ __typename: "SoldOut", couponId: "7" }), NOW)).toBe(false);
    const notStarted = press({
      __typename: "CouponNotAvailable",
      couponId: "7",
      reason: "NOT_STARTED",
    });
    expect(acceptsPress(notStarted, NOW)).toBe(true);
  });

  it("rate limited: the wait shown in seconds, the button held until it has passed", () => {
    const status = press({ __typename: "RateLimited", retryAfterMs: 2_500 });
    expect(describeStatus(status, NOW).detail).toMatch(/press again in 3 s/);
    expect(acceptsPress(status, NOW + 2_499)).toBe(false);
    expect(acceptsPress(status, NOW + 2_500)).toBe(true);
    expect(describeStatus(status, NOW + 2_500).detail).toBe("You can press again now.");
  });

  it("the gateway's retryable error: temporarily unavailable, nothing counted, press again", () => {
    const error = new CombinedError({
      graphQLErrors: [
        new GraphQLError(
          "A service this request needs is unavailable for a moment; please try again.",
          {
            extensions: { code: "TEMPORARILY_UNAVAILABLE", retryable: true },
          },
        ),
      ],
    });
    const status = statusOfPress({ data: undefined, error }, NOW);
    expect(describeStatus(status, NOW)).toMatchObject({
      code: "TEMPORARILY_UNAVAILABLE",
      detail: expect.stringMatching(/not counted/),
    });
    expect(acceptsPress(status, NOW)).toBe(true);
  });

  it("no answer at all: unreachable, press again", () => {
    const error = new CombinedError({ networkError: new TypeError("Failed to fetch") });
    const status = statusOfPress({ data: undefined, error }, NOW);
    expect(status.kind).toBe("UNREACHABLE");
    expect(acceptsPress(status, NOW)).toBe(true);
  });
});

describe("a watched request's state", () => {
  const pending = press({ __typename: "IssueAccepted", requestId: REQUEST_ID, status: "PENDING" });
  if (pending.kind !== "REQUEST") throw new Error("a request");
  const state = { requestId: REQUEST_ID, couponId: "7", updatedAt: "2026-12-01T12:00:00Z" };

  it("failed with its typed reason, in words", () => {
    const failed = withRequestState(pending, {
      ...state,
      status: "FAILED",
      failureReason: "SOLD_OUT",
    });
    expect(describeStatus(failed, NOW)).toMatchObject({
      code: "FAILED",
      detail: "The last coupons went to shoppers just ahead of you.",
    });
    expect(acceptsPress(failed, NOW)).toBe(false);
  });

  it("failed NOT_RECORDED counted nothing: the shopper may press again", () => {
    const withdrawn = withRequestState(pending, {
      ...state,
      status: "FAILED",
      failureReason: "NOT_RECORDED",
    });
    expect(acceptsPress(withdrawn, NOW)).toBe(true);
  });

  it("pending while its stream is down says it is reconnecting", () => {
    expect(describeStatus({ ...pending, live: false }, NOW).detail).toMatch(/reconnecting/);
    expect(describeStatus({ ...pending, live: true }, NOW).detail).not.toMatch(/reconnecting/);
  });
});
