import { REDIS_REST_DEFAULTS } from "#shared/defaults.ts";
import { createIoredisClient, type IoredisClient } from "#shared/redis/ioredis-client.ts";
import type { ClusterNode } from "#shared/redis/redis-endpoint.ts";

export interface RedisConnectionOptions {
  url: string;
  /** A Redis Cluster's seed nodes (`url` then gives only the credentials). Default: none, one Redis. */
  clusterNodes?: readonly ClusterNode[];
  /** What the connection is for, shown in `CLIENT LIST`. */
  name: string;
  /**
   * Fail at once instead of queueing while disconnected, so a caller hears 503 quickly rather than
   * waiting for Redis to come back. The subscriber keeps its queue: its UNSUBSCRIBEs must still
   * reach Redis after a reconnect. Default true.
   */
  failFast?: boolean;
  /**
   * A command without a reply after this long fails (and its caller hears 503). Default
   * `REDIS_REST_DEFAULTS.commandTimeoutMs`.
   */
  commandTimeoutMs?: number;
}

/**
 * One ioredis connection as the proxy needs it (on a cluster, one per node, behind one client):
 * RESP2 (the replies Upstash's dialect was built on: no RESP3 maps or booleans), reconnecting
 * forever with a capped backoff, errors handled by the callers instead of logged by ioredis.
 */
export function createRedisConnection({
  url,
  clusterNodes = [],
  name,
  failFast = true,
  commandTimeoutMs = REDIS_REST_DEFAULTS.commandTimeoutMs,
}: RedisConnectionOptions): IoredisClient {
  const redis = createIoredisClient(
    { url, clusterNodes },
    {
      protocol: 2,
      connectionName: name,
      enableOfflineQueue: !failFast,
      maxRetriesPerRequest: failFast ? 0 : null,
      commandTimeout: failFast ? commandTimeoutMs : undefined,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
    },
  );
  // Without a listener ioredis prints every failed reconnect; the proxy reports state on /health.
  redis.on("error", () => undefined);
  return redis;
}

/**
 * Resolves true once `redis` is ready, or false after `waitMs`. Covers the start and a reconnect in
 * progress, so a caller arriving a moment too early is served instead of refused; a Redis that
 * stays away still costs each caller at most `waitMs`. Waiters share one listener.
 */
export function createReadinessGate(redis: IoredisClient, waitMs: number): () => Promise<boolean> {
  let waiting: Promise<boolean> | undefined;
  return () => {
    if (redis.status === "ready") return Promise.resolve(true);
    waiting ??= new Promise<boolean>((resolve) => {
      const finish = (ready: boolean) => {
        clearTimeout(timer);
        redis.off("ready", onReady);
        waiting = undefined;
        resolve(ready);
      };
      const onReady = () => finish(true);
      const timer = setTimeout(() => finish(false), waitMs);
      redis.once("ready", onReady);
    });
    return waiting;
  };
}

/**
 * Closes a connection for good: QUIT when Redis is there (bounded by `waitMs`), then disconnect,
 * so a shutdown never waits for a Redis that is gone (a QUIT in an offline queue would wait forever).
 */
export async function closeRedisConnection(redis: IoredisClient, waitMs = 1000): Promise<void> {
  if (redis.status === "ready") {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      redis.quit().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }
  redis.disconnect();
}
