import { z } from "zod";
import { LOCAL_DEFAULTS, REDIS_CLUSTER_DEFAULTS, REDIS_REST_DEFAULTS } from "#shared/defaults.ts";
import { parseOrThrow } from "#shared/describe-issues.ts";
import { assertCredentialsFitHost, assertSecretLength } from "#shared/http-kit/credentials-rule.ts";
import { listenAddressFromUrl } from "#shared/http-kit/listen-address.ts";
import { type HttpServerLimits, readHttpServerLimits } from "#shared/http-kit/server-limits.ts";
import { type LogSettings, logEnv, logSettingsOf } from "#shared/logging/logger.ts";
import { REDIS_KEY_PREFIX_PATTERN } from "#shared/redis/keys.ts";
import {
  type ClusterNode,
  clusterNodesSetting,
  parseClusterNodes,
} from "#shared/redis/redis-endpoint.ts";
import type { CommandProfile } from "./command-policy.ts";

const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  /** The Redis behind the proxy; of a cluster, its credentials (user, password, `rediss:`). */
  REDIS_URL: z.string().min(1).default(LOCAL_DEFAULTS.REDIS_URL),
  /** A Redis Cluster's seed nodes (`host:port`, comma-separated): the proxy serves the cluster. */
  REDIS_CLUSTER_NODES: clusterNodesSetting.default(parseClusterNodes(REDIS_CLUSTER_DEFAULTS.nodes)),
  /** The URL callers use; the proxy listens on its host and port. */
  REDIS_REST_URL: z.url({ protocol: /^https?$/ }).default(LOCAL_DEFAULTS.REDIS_REST_URL),
  REDIS_REST_TOKEN: z.string().min(1).default(LOCAL_DEFAULTS.REDIS_REST_TOKEN),
  /** Host to bind when it differs from REDIS_REST_URL's (e.g. 0.0.0.0 in a container). */
  REDIS_REST_BIND: z.string().min(1).optional(),
  REDIS_REST_MAX_BODY_BYTES: positiveInt.default(REDIS_REST_DEFAULTS.maxBodyBytes),
  REDIS_REST_COMMAND_TIMEOUT_MS: positiveInt.default(REDIS_REST_DEFAULTS.commandTimeoutMs),
  /** `project`: what the gateway sends and nothing more; `upstash`: common data commands too. */
  REDIS_REST_COMMANDS: z.enum(["project", "upstash"]).default(REDIS_REST_DEFAULTS.commands),
  /** The gateway's key prefix (the same variable it reads): its keys and channels are the ones served. */
  REDIS_KEY_PREFIX: z.string().regex(REDIS_KEY_PREFIX_PATTERN).default(""),
  ...logEnv,
});

export interface RedisRestConfig {
  host: string;
  port: number;
  redisUrl: string;
  /** Empty: the one Redis at `redisUrl`. */
  redisClusterNodes: ClusterNode[];
  token: string;
  maxBodyBytes: number;
  commandTimeoutMs: number;
  commands: CommandProfile;
  keyPrefix: string;
  httpLimits: HttpServerLimits;
  /** The process's log level and format (shared/src/logging/logger.ts). */
  log: LogSettings;
}

/**
 * The Redis REST proxy's configuration, read once at start. Refuses the development token on any
 * address but loopback (docs/architecture.md), so a misconfigured deployment fails at start, not
 * in use.
 */
export function readRedisRestConfig(
  env: Record<string, string | undefined> = process.env,
): RedisRestConfig {
  const c = parseOrThrow(envSchema, env, "configuration");
  const { host, port } = listenAddressFromUrl(c.REDIS_REST_URL, c.REDIS_REST_BIND);
  assertCredentialsFitHost({
    host,
    credentialVariables: ["REDIS_REST_TOKEN"],
    usesDevelopmentCredentials: c.REDIS_REST_TOKEN === LOCAL_DEFAULTS.REDIS_REST_TOKEN,
  });
  assertSecretLength({
    variable: "REDIS_REST_TOKEN",
    value: c.REDIS_REST_TOKEN,
    developmentValue: LOCAL_DEFAULTS.REDIS_REST_TOKEN,
  });
  return {
    log: logSettingsOf(c),
    host,
    port,
    redisUrl: c.REDIS_URL,
    redisClusterNodes: c.REDIS_CLUSTER_NODES,
    token: c.REDIS_REST_TOKEN,
    maxBodyBytes: c.REDIS_REST_MAX_BODY_BYTES,
    commandTimeoutMs: c.REDIS_REST_COMMAND_TIMEOUT_MS,
    commands: c.REDIS_REST_COMMANDS,
    keyPrefix: c.REDIS_KEY_PREFIX,
    httpLimits: readHttpServerLimits(env),
  };
}
