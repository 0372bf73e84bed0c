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
