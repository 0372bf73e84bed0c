import { Redis } from "ioredis";

/** A RESP connection that fails fast while Redis is away (callers retry) and reconnects by itself. */
export function createRedisClient(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Connection errors surface on the commands that hit them; the event alone is noise.
  redis.on("error", () => undefined);
  return redis;
}
