import { createIoredisClient, type IoredisClient } from "#shared/redis/ioredis-client.ts";
import type { RedisEndpoint } from "#shared/redis/redis-endpoint.ts";

/**
 * A RESP connection (one Redis, or a Redis Cluster) that fails fast while Redis is away (callers
 * retry) and reconnects by itself.
 */
export function createRedisClient(endpoint: RedisEndpoint): IoredisClient {
  const redis = createIoredisClient(endpoint, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Connection errors surface on the commands that hit them; the event alone is noise.
  redis.on("error", () => undefined);
  return redis;
}

/**
 * Resolves once `redis` has connected, or after `timeoutMs` whatever it did. A client that fails
 * fast refuses every command until its first connection is up, so a loop started at once would
 * begin with a failure and a warning for nothing; one that waits for Redis longer than this gets
 * its loop's own retries and warnings, as it should.
 */
export function untilConnected(redis: IoredisClient, timeoutMs = 5_000): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off("ready", done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once("ready", done);
  });
}
