import type { Redis } from "@upstash/redis";
import {
  DEFAULT_REDIS_KEYS,
  REQUEST_INDEX_TTL_SECONDS,
  type RedisKeys,
} from "#shared/redis/keys.ts";
import type { RedisPipeline } from "../redis/redis-pipeline.ts";
import { toRedisError } from "../redis/redis-unreachable.ts";

/**
 * Redis refused a script because its keys are in different slots (a Redis Cluster): the admission
 * script cannot write the request index there (issue-coupon.ts). The item's error, as
 * `@upstash/redis` throws it: "Command failed: CROSSSLOT Keys in request don't hash to the same slot".
 */
export function isCrossSlotError(error: unknown): boolean {
  return error instanceof Error && /\bCROSSSLOT\b/.test(error.message);
}

/**
 * requestId → couponId, so a request can be found from its id alone. On one Redis the admission
 * script writes it (admit.lua); on a cluster `remember` does, in the presses' coalesced pipeline.
 * Read rarely, on its own.
 */
export function createRequestIndex(
  redis: Redis,
  pipeline: RedisPipeline,
  keys: RedisKeys = DEFAULT_REDIS_KEYS,
) {
  return {
    async remember(requestId: string, couponId: string): Promise<void> {
      await pipeline
        .run((p) =>
          p.set(keys.requestIndex(requestId), couponId, { ex: REQUEST_INDEX_TTL_SECONDS }),
        )
        .catch((error: unknown) => Promise.reject(toRedisError(error)));
    },
    async lookup(requestId: string): Promise<string | null> {
      const couponId = await redis
        .get<string>(keys.requestIndex(requestId))
        .catch((error: unknown) => Promise.reject(toRedisError(error)));
      return couponId === null || couponId === undefined ? null : String(couponId);
    },
  };
}

export type RequestIndex = ReturnType<typeof createRequestIndex>;
