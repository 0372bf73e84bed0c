import { CONSUMER_DEFAULTS } from "#shared/defaults.ts";
import type { IssueEvent } from "#shared/issue-event.ts";
import type { PersistedFailureReason } from "#shared/lifecycle/failure-reason.ts";
import { type Decision, failed, issued } from "#shared/lifecycle/outcome.ts";
import { type FailureColumns, outcomeOfFailure } from "#shared/lifecycle/postgres-rows.ts";

/** What PostgreSQL holds for a batch's coupons and requests, read under the coupons' row locks. */
export interface IssueBatchState {
  /** Stock left (`total_quantity - issued_count`) per coupon that exists. */
  remaining: Map<string, number>;
  /** Existing `user_coupon` rows for the batch's request ids and for its (coupon, user) pairs. */
  issued: Array<{ requestId: string; userId: string; couponId: string; issuedAt: Date }>;
  /** Existing `issue_failure` rows for the batch's request ids. */
  failed: Map<string, FailureColumns>;
  /** Requests the gateway withdrew before a consumer claimed them: they fail NOT_RECORDED. */
  withdrawn?: ReadonlySet<string>;
  /** The window of each coupon that has one (no entry: always open). */
  windows?: ReadonlyMap<string, CouponWindow>;
}

/** When a coupon may be requested: from `startsAt` (inclusive) until `endsAt` (exclusive). */
export interface CouponWindow {
  startsAt: Date | null;
  endsAt: Date | null;
}

/**
 * Whether a request made at `requestedAt` lies in the window, give or take `leewayMs` (admission
 * checked it on Redis's clock, `requestedAt` is the gateway's). A time that does not parse is out.
 */
export function isWithinWindow(
  requestedAt: string,
  window: CouponWindow | undefined,
  leewayMs: number = CONSUMER_DEFAULTS.windowLeewayMs,
): boolean {
  const at = Date.parse(requestedAt);
  if (Number.isNaN(at)) return false;
  if (window?.startsAt && at < window.startsAt.getTime() - leewayMs) return false;
  if (window?.endsAt && at >= window.endsAt.getTime() + leewayMs) return false;
  return true;
}

export interface IssueBatchDecision {
  /** Outcomes settled without a new `user_coupon` row; the requests in `toIssue` are missing here. */
  settled: Map<string, Decision>;
  /** Rows to insert, in event order. */
  toIssue: IssueEvent[];
  /** Failures to record, in event order. */
  toFail: Array<{ event: IssueEvent } & FailureColumns>;
}

const slotKey = (couponId: string, userId: string) => `${couponId}:${userId}`;

/**
 * Decides a batch in event order (= partition offset order, so the first admitted wins). A request
 * already decided gets its earlier outcome again and writes nothing, so a redelivered or replayed
 * event changes nothing. Otherwise: the user already holds this coupon under another request (from
 * before, or earlier in this batch) → ALREADY_ISSUED_TO_USER; stock left → issue; else SOLD_OUT.
 * A request withdrawn at the gateway fails NOT_RECORDED first: its caller was told so. One made
 * outside its coupon's window (which the gateway never admits) fails OUTSIDE_WINDOW next, using no
 * stock and holding no slot: the window is checked here again, not trusted to the producer.
 */
export function decideIssueBatch(
  events: readonly IssueEvent[],
  state: IssueBatchState,
  windowLeewayMs: number = CONSUMER_DEFAULTS.windowLeewayMs,
): IssueBatchDecision {
  const remaining = new Map(state.remaining);
  const issuedAtByRequest = new Map(state.issued.map((row) => [row.requestId, row.issuedAt]));
  const holders = new Map(
    state.issued.map((row) => [slotKey(row.couponId, row.userId), row.requestId]),
  );
  const seen = new Set<string>();
  const decision: IssueBatchDecision = { settled: new Map(), toIssue: [], toFail: [] };

  for (const event of events) {
    const { requestId, userId, couponId } = event;
    if (seen.has(requestId)) continue; // the same record twice in one batch: one decision
    seen.add(requestId);

    const left = remaining.get(couponId);
    if (left === undefined) {
      decision.settled.set(requestId, { kind: "coupon-not-found" });
      continue;
    }
    const issuedAt = issuedAtByRequest.get(requestId);
    if (issuedAt) {
      decision.settled.set(requestId, issued(issuedAt));
      continue;
    }
    const failedBefore = state.failed.get(requestId);
    if (failedBefore) {
      decision.settled.set(requestId, outcomeOfFailure(failedBefore));
      continue;
    }
    const holder = holders.get(slotKey(couponId, userId));
    const reason: PersistedFailureReason | null = state.withdrawn?.has(requestId)
      ? "NOT_RECORDED"
      : !isWithinWindow(event.requestedAt, state.windows?.get(couponId), windowLeewayMs)
        ? "OUTSIDE_WINDOW"
        : holder !== undefined
          ? "ALREADY_ISSUED_TO_USER"
          : left <= 0
            ? "SOLD_OUT"
            : null;
    if (reason) {
      const existingRequestId = reason === "ALREADY_ISSUED_TO_USER" ? (holder ?? null) : null;
      decision.settled.set(requestId, failed(reason, existingRequestId));
      decision.toFail.push({ event, reason, existingRequestId });
      continue;
    }
    remaining.set(couponId, left - 1);
    holders.set(slotKey(couponId, userId), requestId);
    decision.toIssue.push(event);
  }
  return decision;
}
