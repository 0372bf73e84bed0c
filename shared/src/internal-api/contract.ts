import { z } from "zod";
import { idString } from "../ids.ts";
import { issuePipelineSchema } from "../issue-pipeline.ts";
import { requestViewSchema } from "../lifecycle/request-view.ts";

/**
 * The internal HTTP API the Node side serves for what needs PostgreSQL, and the gateway calls with
 * fetch (Bearer token). Both sides parse with these schemas.
 *   POST /internal/coupons               createCouponInput → 201 { coupon }
 *                                        | 409 { error } (its pipeline does not run: ISSUE_PIPELINES)
 *   GET  /internal/coupons/:id           → 200 { coupon } | 404
 *   POST /internal/coupons/:id/load      → 200 { loaded } | 404   (admission state into Redis)
 *   GET  /internal/requests/:requestId   → 200 { request } | 404  (the outcome PostgreSQL knows)
 *   GET  /internal/dead-letters[?couponId=&limit=]   → 200 { deadLetters, total }
 *   POST /internal/dead-letters/:id/replay           → 200 { results }
 *   POST /internal/dead-letters/replay?couponId=     → 200 { results }
 */
export const INTERNAL_API_PREFIX = "/internal";

export const MAX_TOTAL_QUANTITY = 10_000_000;

/** Dead letters per list call: the default, and the most one call returns. */
export const DEAD_LETTER_PAGE = { default: 100, max: 1000 } as const;

/**
 * A listing carries the first this many characters of each payload (`payloadTruncated` says when
 * there was more): a page of a thousand forged 256 KiB records is not a quarter of a gigabyte. One
 * dead letter asked for by id carries all of it.
 */
export const DEAD_LETTER_PAYLOAD_PREVIEW_CHARS = 2048;

export const createCouponInput = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "name must not be empty")
      .max(200, "name must be at most 200 characters"),
    totalQuantity: z
      .number()
      .int("totalQuantity must be an integer")
      .min(1, "totalQuantity must be at least 1")
      .max(MAX_TOTAL_QUANTITY, `totalQuantity must be at most ${MAX_TOTAL_QUANTITY}`),
    startsAt: z.iso.datetime({ offset: true }).nullable().optional(),
    endsAt: z.iso.datetime({ offset: true }).nullable().optional(),
    /** Absent: the control process's rollout picks (`ISSUE_PIPELINE_ROLLOUT_PERCENT`). */
    pipeline: issuePipelineSchema.nullable().optional(),
  })
  .refine((c) => !c.startsAt || !c.endsAt || new Date(c.endsAt) > new Date(c.startsAt), {
    message: "endsAt must be after startsAt",
    path: ["endsAt"],
  });
export type CreateCouponInput = z.infer<typeof createCouponInput>;

export const couponJson = z.object({
  id: idString,
  name: z.string(),
  totalQuantity: z.number().int(),
  issuedCount: z.number().int(),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  pipeline: issuePipelineSchema,
});
export type CouponJson = z.infer<typeof couponJson>;

/** A request's state as PostgreSQL answers it: the lifecycle's view of a request. */
export const requestJson = requestViewSchema;
export type RequestJson = z.infer<typeof requestJson>;

export const deadLetterJson = z.object({
  id: idString,
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  couponId: idString.nullable(),
  payload: z.string().nullable(),
  /** Of the whole payload as stored, whatever `payload` carries here. */
  payloadLength: z.number().int(),
  /** True in a listing whose `payload` is the first DEAD_LETTER_PAYLOAD_PREVIEW_CHARS only. */
  payloadTruncated: z.boolean(),
  errorClass: z.string(),
  errorMessage: z.string(),
  attempts: z.number().int(),
  recordedAt: z.string(),
  replayedAt: z.string().nullable(),
  replayCount: z.number().int(),
});
export type DeadLetterJson = z.infer<typeof deadLetterJson>;

export const replayResultJson = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("replayed"), id: idString, requestId: z.string() }),
  z.object({ kind: z.literal("not-found"), id: idString }),
  z.object({ kind: z.literal("not-replayable"), id: idString, reason: z.string() }),
]);
export type ReplayResultJson = z.infer<typeof replayResultJson>;

export const couponResponse = z.object({ coupon: couponJson });
export const deadLetterListResponse = z.object({
  deadLetters: z.array(deadLetterJson),
  total: z.number().int(),
});
export const deadLetterResponse = z.object({ deadLetter: deadLetterJson });
export const replayResponse = z.object({ results: z.array(replayResultJson) });
export const loadResponse = z.object({ loaded: z.boolean() });
export const requestResponse = z.object({ request: requestJson });
export const errorResponse = z.object({ error: z.string() });
