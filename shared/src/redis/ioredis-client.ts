import { Cluster, Redis, type RedisOptions } from "ioredis";
import { REDIS_CLUSTER_DEFAULTS } from "../defaults.ts";
import type { RedisEndpoint } from "./redis-endpoint.ts";

/** A RESP client of the Node side: one Redis, or a Redis Cluster. Both speak the same commands. */
export type IoredisClient = Redis | Cluster;

export interface IoredisClientOptions extends RedisOptions {
  /**
   * On a cluster: after a node went away, how long to wait before a command is tried again on what
   * the cluster then says owns its slot (a failover in progress). Default
   * `REDIS_CLUSTER_DEFAULTS.retryDelayOnFailoverMs`.
   */
  retryDelayOnFailoverMs?: number;
}

/**
 * An ioredis client for `endpoint`, with the same `options` whatever it is: on a cluster they
 * apply to every node's connection (its credentials come from the endpoint's URL), the offline
 * queue and the reconnect strategy to the cluster as a whole. On a cluster, each command goes to
 * its keys' primary, redirections (MOVED, ASK) are followed and the slot map is refreshed after a
 * failover. (ioredis's automatic pipelining stays off: in ioredis 6 it drops the command's name
 * from `callBuffer`, which the Redis REST proxy sends everything with.)
 */
export function createIoredisClient(
  endpoint: RedisEndpoint,
  {
    retryDelayOnFailoverMs = REDIS_CLUSTER_DEFAULTS.retryDelayOnFailoverMs,
    ...options
  }: IoredisClientOptions = {},
): IoredisClient {
  if (endpoint.clusterNodes.length === 0) return new Redis(endpoint.url, options);
  const url = new URL(endpoint.url);
  if (url.pathname !== "" && url.pathname !== "/" && url.pathname !== "/0")
    throw new Error(
      `a Redis Cluster has database 0 only: REDIS_URL names database ${url.pathname.slice(1)}`,
    );
  const { enableOfflineQueue, retryStrategy, ...nodeOptions } = options;
  return new Cluster([...endpoint.clusterNodes], {
    enableOfflineQueue,
    ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) } : {}),
    retryDelayOnFailover: retryDelayOnFailoverMs,
    retryDelayOnClusterDown: retryDelayOnFailoverMs,
    retryDelayOnTryAgain: retryDelayOnFailoverMs,
    slotsRefreshInterval: REDIS_CLUSTER_DEFAULTS.slotsRefreshIntervalMs,
    redisOptions: {
      ...nodeOptions,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      ...(url.protocol === "rediss:" ? { tls: {} } : {}),
    },
  });
}

/** Whether `client` is a cluster client (its nodes are reached one by one for per-node work). */
export function isCluster(client: IoredisClient): client is Cluster {
  return client instanceof Cluster;
}

/** The primaries of a cluster (the connections ioredis holds to them), or the one Redis. */
export function primariesOf(client: IoredisClient): Redis[] {
  return isCluster(client) ? client.nodes("master") : [client];
}
