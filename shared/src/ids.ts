import { z } from "zod";

/**
 * Coupon and user ids are positive integers carried as strings of digits (GraphQL `ID`, Kafka event,
 * PostgreSQL `bigint`). The bound keeps them exact as JavaScript numbers wherever one is needed.
 */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

export const idString = z
  .string()
  // abort: a string that is no integer gets that one message, not also "must be at most".
  .regex(/^[1-9][0-9]{0,15}$/, { message: "must be a positive integer", abort: true })
  .refine((s) => Number(s) <= MAX_ID, `must be at most ${MAX_ID}`);

export type IdString = z.infer<typeof idString>;

/** Parses an id from outside; the result says what was wrong instead of throwing. */
export function parseId(value: unknown): { ok: true; id: string } | { ok: false; error: string } {
  const text = typeof value === "number" && Number.isInteger(value) ? String(value) : value;
  const parsed = idString.safeParse(text);
  return parsed.success
    ? { ok: true, id: parsed.data }
    : { ok: false, error: parsed.error.issues[0]?.message ?? "invalid id" };
}
