import type { Redis } from "@upstash/redis";
import { DEFAULT_REDIS_KEYS, type RedisKeys } from "#shared/redis/keys.ts";
import type { RedisPipeline } from "../redis/redis-pipeline.ts";
import { toRedisError } from "../redis/redis-unreachable.ts";

const INDEX_TTL_SECONDS = 7 * 24 * 3600;

/**
 * requestId → couponId, so a request can be found from its id alone. Written on every accepted
 * press, so it rides in the presses' coalesced pipeline; read rarely, on its own.
 */
export function createRequestIndex(
  redis: Redis,
  pipeline: RedisPipeline,
  keys: RedisKeys = DEFAULT_REDIS_KEYS,
) {
  return {
    async remember(requestId: string, couponId: string): Promise<void> {
      await pipeline
        .run((p) => p.set(keys.requestIndex(requestId), couponId, { ex: INDEX_TTL_SECONDS }))
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
