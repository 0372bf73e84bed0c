import type { IncomingMessage, ServerResponse } from "node:http";
import { REDIS_REST_DEFAULTS } from "#shared/defaults.ts";
import { createBearerCheck } from "#shared/http-kit/authorization.ts";
import { answerBackendHealth } from "#shared/http-kit/backend-health.ts";
import { HttpError, methodNotAllowed } from "#shared/http-kit/http-error.ts";
import { createHttpService, type HttpService } from "#shared/http-kit/http-service.ts";
import { sendJson } from "#shared/http-kit/json-response.ts";
import { parseInput } from "#shared/http-kit/parse-input.ts";
import { readJsonBody } from "#shared/http-kit/read-body.ts";
import { decodePathSegment } from "#shared/http-kit/router.ts";
import type { HttpServerLimits } from "#shared/http-kit/server-limits.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";
import type { IoredisClient } from "#shared/redis/ioredis-client.ts";
import type { ClusterNode } from "#shared/redis/redis-endpoint.ts";
import { createCommandExecutor } from "./command-executor.ts";
import { type CommandProfile, createCommandPolicy } from "./command-policy.ts";
import {
  commandListSchema,
  commandSchema,
  parseCommand,
  parseCommandList,
} from "./command-request.ts";
import { closeRedisConnection, createRedisConnection } from "./redis-connection.ts";
import { createSseStreams, serveSseSubscription } from "./sse-subscription.ts";
import { createSubscriptionHub, type SubscriptionHub } from "./subscription-hub.ts";

export interface RedisRestProxyOptions {
  /** The Redis to serve, e.g. `redis://127.0.0.1:6379/0`; of a cluster, its credentials only. */
  redisUrl: string;
  /** A Redis Cluster's seed nodes, to serve the cluster. Default: none, the one Redis at `redisUrl`. */
  redisClusterNodes?: readonly ClusterNode[];
  /** The Bearer token callers must present. */
  token: string;
  /** Largest request body; a larger one is answered 413. Default `REDIS_REST_DEFAULTS`. */
  maxBodyBytes?: number;
  /** A command Redis has not answered after this long is a 503. Default `REDIS_REST_DEFAULTS`. */
  commandTimeoutMs?: number;
  /** Interval of the SSE keep-alive comment. Default 15 s. */
  keepAliveMs?: number;
  /** Unread SSE output a slow client may pile up before it is cut off. Default 1 MiB. */
  maxSseBufferedBytes?: number;
  /** What is served (command-policy.ts). Default `REDIS_REST_DEFAULTS.commands`. */
  commands?: CommandProfile;
  /** The gateway's Redis key prefix (`REDIS_KEY_PREFIX`), for the `project` profile. Default "". */
  keyPrefix?: string;
  /** Timeouts and connection cap of its HTTP server. Default `HTTP_SERVER_DEFAULTS`. */
  httpLimits?: Partial<HttpServerLimits>;
  /** The process's logger (unexpected errors). Default: silent. */
  logger?: Logger;
}

export interface RedisRestProxy extends HttpService {
  /** The command connection (shared by every caller): one Redis, or a cluster. */
  readonly redis: IoredisClient;
  /** The pub/sub fan-out over the one subscriber connection. */
  readonly hub: SubscriptionHub;
}

const COMMAND_ROUTES = ["/", "/pipeline", "/multi-exec"] as const;
const SUBSCRIBE_PATH = /^\/(subscribe|psubscribe)\/(.+)$/;

/**
 * An HTTP service speaking the Upstash Redis REST dialect (as `@upstash/redis` sends it) in front
 * of a real Redis: `POST /` (one command), `/pipeline`, `/multi-exec` (a real MULTI/EXEC), and SSE
 * pub/sub at `/subscribe/<channel>` and `/psubscribe/<pattern>`; `GET /health` without a token.
 *
 * Two Redis connections whatever the load: one for commands, one subscriber for every SSE client.
 * On a Redis Cluster, the command client holds one connection per node and sends each command to
 * its keys' primary; the subscriber listens on one node, which hears every node's PUBLISH.
 */
export function createRedisRestProxy({
  redisUrl,
  redisClusterNodes = [],
  token,
  maxBodyBytes = REDIS_REST_DEFAULTS.maxBodyBytes,
  commandTimeoutMs = REDIS_REST_DEFAULTS.commandTimeoutMs,
  keepAliveMs = 15_000,
  maxSseBufferedBytes = 1024 * 1024,
  commands = REDIS_REST_DEFAULTS.commands,
  keyPrefix = "",
  httpLimits,
  logger = silentLogger(),
}: RedisRestProxyOptions): RedisRestProxy {
  const redis = createRedisConnection({
    url: redisUrl,
    clusterNodes: redisClusterNodes,
    name: "redis-rest-commands",
    commandTimeoutMs,
  });
  const subscriber = createRedisConnection({
    url: redisUrl,
    clusterNodes: redisClusterNodes,
    name: "redis-rest-subscriber",
    failFast: false,
  });
  const hub = createSubscriptionHub({ subscriber, subscribeTimeoutMs: commandTimeoutMs });
  const policy = createCommandPolicy({ profile: commands, keyPrefix });
  const executor = createCommandExecutor({ redis, policy });
  const streams = createSseStreams();
  const isAuthorized = createBearerCheck(token);
  // Opaque to the client, which only echoes it; one Redis behind one proxy reads its own writes.
  let syncToken = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://proxy").pathname;
    const backendUp = redis.status === "ready" && subscriber.status === "ready";
    if (answerBackendHealth(request, response, path, backendUp)) return;
    if (!isAuthorized(request.headers.authorization)) {
      throw new HttpError(401, "Unauthorized: send 'Authorization: Bearer <REDIS_REST_TOKEN>'");
    }
    const subscription = SUBSCRIBE_PATH.exec(path);
    const known = subscription !== null || (COMMAND_ROUTES as readonly string[]).includes(path);
    if (!known) {
      throw new HttpError(
        404,
        `no route ${path}: use POST /, /pipeline, /multi-exec, /subscribe/<channel> or /psubscribe/<pattern>`,
      );
    }
    if (request.method !== "POST") throw methodNotAllowed(request.method, path, ["POST"]);

    const body = await readJsonBody(request, maxBodyBytes);
    if (subscription) {
      const kind = subscription[1] === "psubscribe" ? "psubscribe" : "subscribe";
      const name = decodePathSegment(subscription[2] ?? "");
      const refused = policy.channelRefusal(kind, name);
      if (refused) throw new HttpError(400, refused);
      return serveSseSubscription(response, {
        hub,
        kind,
        name,
        keepAliveMs,
        maxBufferedBytes: maxSseBufferedBytes,
        streams,
      });
    }
    const base64 = String(request.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    let answer: unknown;
    if (path === "/") {
      const command = parseCommand(body, (b) => parseInput(commandSchema, b, "command"));
      answer = { result: await executor.one(command, base64) };
    } else {
      const commands = parseCommandList(body, (b) =>
        parseInput(commandListSchema, b, "command list"),
      );
      answer =
        path === "/pipeline"
          ? await executor.pipeline(commands, base64)
          : await executor.transaction(commands, base64);
    }
    sendJson(response, 200, answer, { "upstash-sync-token": String(++syncToken) });
  }

  const service = createHttpService({
    handle,
    logger,
    maxBodyBytes,
    limits: httpLimits,
    onDrainStart: streams.endAll,
    onDrained: async () => {
      await Promise.all([closeRedisConnection(redis), closeRedisConnection(subscriber)]);
    },
  });

  // The service itself, its `url` getter live, with what tests and the process look into.
  return Object.assign(service, { redis, hub });
}
