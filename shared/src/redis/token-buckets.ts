import { z } from "zod";
import { retryAfterMsReply } from "../lifecycle/lua-replies.ts";
import type { RateLimitSubject } from "./keys.ts";

/** A rate limit as a token bucket: `capacity` calls at once, `refillPerSecond` more each second. */
export interface TokenBucketLimit {
  capacity: number;
  refillPerSecond: number;
}

/** A limit on one subject (a user, a client address): the scripts find its bucket by keys.ts. */
export interface SubjectLimit extends TokenBucketLimit {
  subject: RateLimitSubject;
}

/** Buckets as the scripts take them: the keys, and the capacity and refill of each in turn. */
export function bucketArguments(
  limits: readonly SubjectLimit[],
  keyOf: (subject: RateLimitSubject) => string,
): { keys: string[]; args: string[] } {
  return {
    keys: limits.map((limit) => keyOf(limit.subject)),
    args: limits.flatMap((limit) => [String(limit.capacity), String(limit.refillPerSecond)]),
  };
}

const takeReply = z.union([z.literal(0), retryAfterMsReply]);

/** take-tokens.lua's reply: 0 (taken) or the wait in ms. */
export function waitFromTakeReply(reply: unknown): number {
  const parsed = takeReply.safeParse(reply);
  if (!parsed.success) throw new Error(`take-tokens script answered ${JSON.stringify(reply)}`);
  return parsed.data;
}
