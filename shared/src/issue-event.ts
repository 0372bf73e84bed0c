import { z } from "zod";
import { describeIssues } from "./describe-issues.ts";
import { messageOf } from "./errors/message-of.ts";
import { idString } from "./ids.ts";

/**
 * The event produced to `coupon-issue-requests` for every admitted request (shape pinned in
 * docs/architecture.md). `schemaVersion` is ours: readers accept events without it as version 1.
 */
export const ISSUE_EVENT_SCHEMA_VERSION = 1;

export const issueEventSchema = z.object({
  requestId: z.uuid(),
  userId: idString,
  couponId: idString,
  requestedAt: z.iso.datetime({ offset: true }),
  source: z.enum(["API", "BATCH"]),
  schemaVersion: z.literal(ISSUE_EVENT_SCHEMA_VERSION).optional(),
});

export type IssueEvent = z.infer<typeof issueEventSchema>;

/** The record key that keeps every request of one coupon on one partition, in order. */
export function issueEventKey(couponId: string): string {
  return `coupon:${couponId}`;
}

export function encodeIssueEvent(event: IssueEvent): string {
  return JSON.stringify({ ...event, schemaVersion: ISSUE_EVENT_SCHEMA_VERSION });
}

export type DecodeResult =
  | { ok: true; event: IssueEvent }
  | { ok: false; error: "invalid-json" | "schema-mismatch"; message: string };

/** Decodes a record value; a bad record is a typed result (it goes to the DLT), never a throw. */
export function decodeIssueEvent(value: string | Uint8Array | null | undefined): DecodeResult {
  if (value === null || value === undefined) {
    return { ok: false, error: "schema-mismatch", message: "record has no value" };
  }
  const text = typeof value === "string" ? value : new TextDecoder().decode(value);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: "invalid-json", message: messageOf(error) };
  }
  const parsed = issueEventSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, error: "schema-mismatch", message: describeIssues(parsed.error) };
  }
  return { ok: true, event: parsed.data };
}
