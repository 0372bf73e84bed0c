import { z } from "zod";
import { ISSUE_PIPELINES, type IssuePipeline } from "../issue-pipeline.ts";
import { FAILURE_REASONS, WITHDRAWAL_REASON } from "./failure-reason.ts";
import { ISSUE_STATUSES, type IssueStatus } from "./issue-status.ts";
import { type RequestRef, type Settlement, statusOf } from "./outcome.ts";

/**
 * Conversions between the lifecycle's types and what the admission scripts (shared/src/redis/lua/)
 * take and answer. Redis is a boundary: what comes back is parsed, not cast.
 */

/** A request as Redis records it: JSON in the coupon's `requests` hash and on its status channel. */
export const requestRecordSchema = z.object({
  requestId: z.string(),
  couponId: z.string(),
  userId: z.string(),
  status: z.enum(ISSUE_STATUSES),
  reason: z.enum(FAILURE_REASONS).optional(),
  requestedAt: z.string(),
  updatedAt: z.string(),
  /** Set once a consumer holds the event (claim.lua): from then on it cannot be withdrawn. */
  claimed: z.boolean().optional(),
  /** A REDIS_STREAM coupon's request: the id of the stream entry admit.lua appended. */
  entryId: z.string().optional(),
});
export type RequestRecord = z.infer<typeof requestRecordSchema>;

/** pending-before.lua answers `{requestId}` alone for a request whose record is gone. */
const pendingRecordSchema = requestRecordSchema.partial().required({ requestId: true });
export type PendingRecord = z.infer<typeof pendingRecordSchema>;

export interface PendingRequest {
  record: PendingRecord;
  admittedAtMs: number;
}

function parseJson(reply: unknown, what: string): unknown {
  if (typeof reply !== "string") return reply;
  try {
    return JSON.parse(reply);
  } catch {
    throw new Error(`${what}: not JSON: ${reply.slice(0, 200)}`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  throw new Error(`${what}: ${detail}`);
}

/** A request record from read-request.lua or a status channel (JSON text, or already parsed). */
export function requestRecordFromReply(reply: unknown): RequestRecord | null {
  if (reply === null || reply === undefined || reply === "") return null;
  return parseWith(requestRecordSchema, parseJson(reply, "request record"), "request record");
}

/** pending-before.lua's flat list: record JSON, admittedAt ms, record JSON, admittedAt ms, ... */
export function pendingRequestsFromReply(reply: unknown): PendingRequest[] {
  const items = parseWith(z.array(z.union([z.string(), z.number()])), reply, "pending-before");
  const out: PendingRequest[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) {
    const json = parseJson(String(items[i]), "pending record");
    out.push({
      record: parseWith(pendingRecordSchema, json, "pending record"),
      admittedAtMs: Number(items[i + 1]),
    });
  }
  return out;
}

export type AdmitResult =
  /**
   * Admitted. `pipeline` REDIS_STREAM: admit.lua appended it to the coupon's stream already;
   * KAFKA: the caller produces it.
   */
  | { kind: "accepted"; requestId: string; pipeline: IssuePipeline }
  | { kind: "already-requested"; requestId: string; status: IssueStatus | null }
  | { kind: "sold-out" }
  | { kind: "not-loaded" }
  | { kind: "not-started" }
  | { kind: "ended" }
  /** The caller's rate limit: nothing was admitted; a token is back after `retryAfterMs`. */
  | { kind: "rate-limited"; retryAfterMs: number };

/** A wait in whole milliseconds, at least 1 (take-tokens.lua, admit.lua's RATE_LIMITED). */
export const retryAfterMsReply = z.coerce.number().int().positive();

const admitReply = z.union([
  z.tuple([z.literal("ACCEPTED"), z.string(), z.enum(ISSUE_PIPELINES)]),
  z.tuple([z.literal("RATE_LIMITED"), retryAfterMsReply]),
  z.tuple([z.literal("ALREADY"), z.string(), z.union([z.enum(ISSUE_STATUSES), z.literal("")])]),
  z.tuple([z.enum(["SOLD_OUT", "NOT_LOADED", "NOT_STARTED", "ENDED"])]),
]);

const PLAIN_ADMIT_REPLIES = {
  SOLD_OUT: { kind: "sold-out" },
  NOT_LOADED: { kind: "not-loaded" },
  NOT_STARTED: { kind: "not-started" },
  ENDED: { kind: "ended" },
} as const satisfies Record<string, AdmitResult>;

/** admit.lua's reply; ALREADY carries "" as status when Redis has the user's slot but no record. */
export function admitResultFromReply(reply: unknown): AdmitResult {
  const parsed = admitReply.safeParse(reply);
  if (!parsed.success) throw new Error(`admit script answered ${JSON.stringify(reply)}`);
  const value = parsed.data;
  switch (value[0]) {
    case "ACCEPTED":
      return { kind: "accepted", requestId: value[1], pipeline: value[2] };
    case "ALREADY":
      return { kind: "already-requested", requestId: value[1], status: value[2] || null };
    case "RATE_LIMITED":
      return { kind: "rate-limited", retryAfterMs: value[1] };
    default:
      return PLAIN_ADMIT_REPLIES[value[0]];
  }
}

/** One entry of settle.lua's ARGV[4] (its header documents the fields). */
interface SettleEntry extends RequestRef {
  status: "ISSUED" | "FAILED";
  reason?: string;
  /** The request that keeps the user's slot: another request already issued. */
  slotRequestId?: string;
  /** A withdrawal, which a consumer's claim overrides. */
  unlessClaimed?: true;
}

function settleEntry({ request, outcome }: Settlement): SettleEntry {
  const { requestId, userId, couponId, requestedAt } = request;
  const entry: SettleEntry = {
    requestId,
    userId,
    couponId,
    requestedAt,
    status: statusOf(outcome),
  };
  if (outcome.kind === "failed") {
    entry.reason = outcome.reason;
    if (outcome.existingRequestId !== undefined) entry.slotRequestId = outcome.existingRequestId;
  }
  return entry;
}

/** settle.lua's ARGV[4] for outcomes. */
export function settleArgument(settlements: readonly Settlement[]): string {
  return JSON.stringify(settlements.map(settleEntry));
}

/** settle.lua's ARGV[4] for a withdrawal: FAILED NOT_RECORDED unless a consumer claimed it. */
export function withdrawalArgument({
  requestId,
  userId,
  couponId,
  requestedAt,
}: RequestRef): string {
  const entry: SettleEntry = {
    requestId,
    userId,
    couponId,
    requestedAt,
    status: "FAILED",
    reason: WITHDRAWAL_REASON,
    unlessClaimed: true,
  };
  return JSON.stringify([entry]);
}

/** claim.lua's reply: the ids of the requests withdrawn before the claim. */
export function withdrawnFromClaimReply(reply: unknown): Set<string> {
  return new Set(parseWith(z.array(z.string()), reply, "claim"));
}
