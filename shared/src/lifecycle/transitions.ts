import type { FailureReason } from "./failure-reason.ts";
import type { IssueStatus } from "./issue-status.ts";

/**
 * A request's lifecycle, as data: the states, who moves a request from which state to which, and the
 * moves refused on purpose (the withdrawal/claim fence). The Lua scripts carry the moves out
 * atomically in Redis; PostgreSQL decides the outcome of a claimed request. docs/architecture.md
 * draws this table (a test keeps the two equal), and a test against real Redis checks the scripts
 * against it.
 */

/**
 * PENDING is admitted and not yet held by a consumer; CLAIMED is still PENDING to the API, but a
 * consumer holds its event, so PostgreSQL decides it and nobody may withdraw it any more.
 */
export const STATES = ["PENDING", "CLAIMED", "ISSUED", "FAILED"] as const;
export type State = (typeof STATES)[number];
/** Where a request comes from before its admission (`[*]` in the diagram). */
export type Origin = State | "NEW";

export const STEPS = ["admit", "claim", "withdraw", "settle", "dead-letter"] as const;
export type Step = (typeof STEPS)[number];

export const ACTORS = ["gateway", "issue-worker", "reconciler"] as const;
export type Actor = (typeof ACTORS)[number];

export interface Transition {
  from: Origin;
  /** Only from a FAILED request with one of these reasons. */
  fromReasons?: readonly FailureReason[];
  step: Step;
  to: State;
  /** The reasons a move to FAILED records. */
  reasons?: readonly FailureReason[];
  by: readonly Actor[];
  /** The script that makes the move in Redis. */
  script: "admit.lua" | "claim.lua" | "settle.lua";
  why: string;
}

export const TRANSITIONS: readonly Transition[] = [
  {
    from: "NEW",
    step: "admit",
    to: "PENDING",
    by: ["gateway"],
    script: "admit.lua",
    why: "stock is left and the user has no live request for the coupon",
  },
  {
    from: "PENDING",
    step: "claim",
    to: "CLAIMED",
    by: ["issue-worker"],
    script: "claim.lua",
    why: "a consumer holds the event and is about to let PostgreSQL decide it",
  },
  {
    from: "PENDING",
    step: "withdraw",
    to: "FAILED",
    reasons: ["NOT_RECORDED"],
    by: ["gateway", "reconciler"],
    script: "settle.lua",
    why: "the produce failed or its outcome is unknown, or no outcome came within the give-up bound",
  },
  {
    from: "CLAIMED",
    step: "settle",
    to: "ISSUED",
    by: ["issue-worker", "reconciler"],
    script: "settle.lua",
    why: "PostgreSQL inserted the user_coupon row (the reconciler settles what a worker left unsettled)",
  },
  {
    from: "CLAIMED",
    step: "settle",
    to: "FAILED",
    reasons: ["SOLD_OUT", "ALREADY_ISSUED_TO_USER", "OUTSIDE_WINDOW"],
    by: ["issue-worker", "reconciler"],
    script: "settle.lua",
    why: "PostgreSQL refused it: stock and slot are given back",
  },
  {
    from: "CLAIMED",
    step: "dead-letter",
    to: "FAILED",
    reasons: ["DEAD_LETTERED"],
    by: ["issue-worker"],
    script: "settle.lua",
    why: "the event failed every attempt and went to the dead-letter topic",
  },
  {
    from: "FAILED",
    fromReasons: ["DEAD_LETTERED"],
    step: "settle",
    to: "ISSUED",
    by: ["issue-worker"],
    script: "settle.lua",
    why: "a dead letter replayed once its cause was fixed, and PostgreSQL issued it",
  },
];

export interface Refusal {
  from: State;
  fromReasons?: readonly FailureReason[];
  step: Step;
  why: string;
}

/** Moves refused on purpose: the state stays as it is. */
export const REFUSALS: readonly Refusal[] = [
  {
    from: "CLAIMED",
    step: "withdraw",
    why: "a consumer holds the event, so PostgreSQL decides it; the caller is told IssueAccepted",
  },
  { from: "ISSUED", step: "withdraw", why: "the outcome is recorded" },
  { from: "FAILED", step: "withdraw", why: "the outcome is recorded" },
  {
    from: "FAILED",
    fromReasons: ["NOT_RECORDED"],
    step: "claim",
    why: "its caller was told it was not counted: the claim reports it, and PostgreSQL records it FAILED NOT_RECORDED instead of issuing it",
  },
];

/** A move as it was observed or is proposed. */
export interface Move {
  from: Origin;
  /** The reason of a FAILED `from`. */
  fromReason?: FailureReason;
  step: Step;
  to: State;
  /** The reason of a FAILED `to`. */
  reason?: FailureReason;
}

const reasonMatches = (allowed: readonly FailureReason[] | undefined, reason?: FailureReason) =>
  allowed === undefined || (reason !== undefined && allowed.includes(reason));

/** The transition that allows a move, if any. */
export function findTransition(move: Move): Transition | undefined {
  return TRANSITIONS.find(
    (t) =>
      t.from === move.from &&
      t.step === move.step &&
      t.to === move.to &&
      reasonMatches(t.fromReasons, move.fromReason) &&
      reasonMatches(t.reasons, move.reason),
  );
}

/** Whether `actor` may make `move`. */
export function mayMove(actor: Actor, move: Move): boolean {
  return findTransition(move)?.by.includes(actor) ?? false;
}

/** Whether `step` is refused on purpose from this state (the request then stays as it is). */
export function isRefused(from: State, step: Step, fromReason?: FailureReason): boolean {
  return REFUSALS.some(
    (r) => r.from === from && r.step === step && reasonMatches(r.fromReasons, fromReason),
  );
}

/** The lifecycle state of a request as Redis records it (its status, and whether it is claimed). */
export function stateOf(record: { status: IssueStatus; claimed?: boolean }): State {
  return record.status === "PENDING" && record.claimed === true ? "CLAIMED" : record.status;
}
