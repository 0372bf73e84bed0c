import type { CombinedError, OperationResult } from "@urql/core";
import type {
  IssueFailureReason,
  IssueStatus,
  PressMutation,
  RequestStateFragment,
} from "./gql/graphql.ts";

/**
 * Everything the shopper can be told after pressing, one state at a time. `REQUEST` is a request
 * the gateway holds for this shopper (just accepted, or `already` there from before), watched live.
 */
export type ShopperStatus =
  | { kind: "IDLE" }
  | { kind: "PRESSING" }
  | { kind: "SOLD_OUT" }
  | { kind: "NOT_STARTED" }
  | { kind: "ENDED" }
  | { kind: "NOT_FOUND" }
  /** `retryAt`: the local clock's epoch ms from which a press is taken again. */
  | { kind: "RATE_LIMITED"; retryAt: number }
  /** The gateway's retryable error: nothing was counted, pressing again is safe. */
  | { kind: "TEMPORARILY_UNAVAILABLE"; message: string }
  /** No answer at all (network), or an error the page does not know. */
  | { kind: "UNREACHABLE"; message: string }
  | {
      kind: "REQUEST";
      requestId: string;
      already: boolean;
      status: IssueStatus;
      failureReason: IssueFailureReason | null;
      /** False while the live stream is down and the page is reconnecting. */
      live: boolean;
    };

/** The code the gateway gives a dependency that blinked (gateway/src/schema/errors.ts). */
export const RETRYABLE_CODE = "TEMPORARILY_UNAVAILABLE";

/** A failed operation as a status: the retryable gateway error, or no usable answer at all. */
export function statusOfError(error: CombinedError): ShopperStatus {
  const retryable = error.graphQLErrors.find(
    (e) => e.extensions?.code === RETRYABLE_CODE || e.extensions?.retryable === true,
  );
  if (retryable) return { kind: "TEMPORARILY_UNAVAILABLE", message: retryable.message };
  if (error.networkError)
    return { kind: "UNREACHABLE", message: "The shop could not be reached. Please try again." };
  return { kind: "UNREACHABLE", message: error.graphQLErrors[0]?.message ?? error.message };
}

/** What the press answered, as the shopper's status; `localNow` dates a rate limit's wait. */
export function statusOfPress(
  result: Pick<OperationResult<PressMutation>, "data" | "error">,
  localNow: number,
): ShopperStatus {
  const outcome = result.data?.issueCoupon;
  if (!outcome)
    return result.error
      ? statusOfError(result.error)
      : { kind: "UNREACHABLE", message: "The press got no answer. Please try again." };
  switch (outcome.__typename) {
    case "IssueAccepted":
    case "AlreadyRequested":
      return {
        kind: "REQUEST",
        requestId: outcome.requestId,
        already: outcome.__typename === "AlreadyRequested",
        status: outcome.status,
        failureReason: null,
        live: false,
      };
    case "SoldOut":
      return { kind: "SOLD_OUT" };
    case "RateLimited":
      return { kind: "RATE_LIMITED", retryAt: localNow + outcome.retryAfterMs };
    case "CouponNotAvailable":
      return { kind: outcome.reason };
  }
}

/** A watched request's newest state folded into the status showing it. */
export function withRequestState(
  status: Extract<ShopperStatus, { kind: "REQUEST" }>,
  state: RequestStateFragment,
): ShopperStatus {
  return { ...status, status: state.status, failureReason: state.failureReason };
}

/** What a failure's reason means to the person who pressed. */
const FAILURE_TEXT: Record<IssueFailureReason, string> = {
  SOLD_OUT: "The last coupons went to shoppers just ahead of you.",
  ALREADY_ISSUED_TO_USER: "You already hold this coupon from an earlier request.",
  OUTSIDE_WINDOW: "Your request arrived outside the drop's opening hours.",
  NOT_RECORDED: "Your request could not be recorded and was not counted. Please press again.",
  DEAD_LETTERED: "Your request could not be processed. The shop has been alerted.",
};

export interface StatusText {
  /** Stable, for styling and tests: the `kind`, or the request's status. */
  code: string;
  headline: string;
  detail: string;
}

/** The status in words, as the page shows it; `localNow` for a rate limit's remaining wait. */
export function describeStatus(status: ShopperStatus, localNow: number): StatusText {
  switch (status.kind) {
    case "IDLE":
      return { code: "IDLE", headline: "", detail: "" };
    case "PRESSING":
      return { code: "PRESSING", headline: "Sending your request…", detail: "" };
    case "SOLD_OUT":
      return {
        code: "SOLD_OUT",
        headline: "Sold out",
        detail: "Every coupon of this drop has been claimed.",
      };
    case "NOT_STARTED":
      return {
        code: "NOT_STARTED",
        headline: "Not started yet",
        detail: "The drop has not opened yet: press again when the countdown ends.",
      };
    case "ENDED":
      return { code: "ENDED", headline: "This drop has ended", detail: "" };
    case "NOT_FOUND":
      return { code: "NOT_FOUND", headline: "No such coupon", detail: "Check the link." };
    case "RATE_LIMITED": {
      const seconds = Math.max(0, Math.ceil((status.retryAt - localNow) / 1000));
      return {
        code: "RATE_LIMITED",
        headline: "Too many presses",
        detail:
          seconds > 0
            ? `Nothing was counted. You can press again in ${seconds} s.`
            : "You can press again now.",
      };
    }
    case "TEMPORARILY_UNAVAILABLE":
      return {
        code: "TEMPORARILY_UNAVAILABLE",
        headline: "Temporarily unavailable",
        // The gateway's guarantee for this code, in one sentence whichever message came with it.
        detail: "Your press was not counted. Please press again in a moment.",
      };
    case "UNREACHABLE":
      return { code: "UNREACHABLE", headline: "No answer", detail: status.message };
    case "REQUEST": {
      const already = status.already ? "You already requested this coupon. " : "";
      const link = status.live ? "" : " (reconnecting…)";
      if (status.status === "PENDING")
        return {
          code: "PENDING",
          headline: "Request received",
          detail: `${already}Your place is being confirmed${link}.`,
        };
      if (status.status === "ISSUED")
        return {
          code: "ISSUED",
          headline: "The coupon is yours",
          detail: `${already}It has been issued to your account.`,
        };
      return {
        code: "FAILED",
        headline: "Not issued",
        detail: `${already}${status.failureReason ? FAILURE_TEXT[status.failureReason] : "The request failed."}`,
      };
    }
  }
}

/**
 * Whether the press button takes a press in this status (the coupon's window aside): not while a
 * press is on its way, a rate limit's wait runs, or a request stands; again after anything that
 * counted nothing.
 */
export function acceptsPress(status: ShopperStatus, localNow: number): boolean {
  switch (status.kind) {
    case "IDLE":
    case "NOT_STARTED":
    case "TEMPORARILY_UNAVAILABLE":
    case "UNREACHABLE":
      return true;
    case "RATE_LIMITED":
      return localNow >= status.retryAt;
    case "REQUEST":
      // A request withdrawn before it was recorded counted nothing: the shopper may press again.
      return status.status === "FAILED" && status.failureReason === "NOT_RECORDED";
    default:
      return false;
  }
}
