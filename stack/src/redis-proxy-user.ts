import { createHash, createHmac } from "node:crypto";
import { Redis } from "ioredis";
import {
  PROXY_REDIS_USER,
  proxyAclRules,
  proxyRedisCommands,
} from "#redis-rest/redis-acl-rules.ts";
import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import type { ClusterNode } from "#shared/redis/redis-endpoint.ts";
import { parseClusterNodesListing } from "./services/redis-cluster.ts";

/** The Redis ACL user the Redis REST proxy connects as, and its password. */
export interface ProxyRedisUser {
  name: string;
  password: string;
}

/**
 * The proxy's Redis user for a given `REDIS_REST_TOKEN`. The password is derived from the token
 * (HMAC-SHA-256 with a label of its own), so every run of the stack, a Redis it restarts and two
 * systems sharing one Redis with one token all arrive at the same password without storing one;
 * it gives no more than the proxy's own rights, which whoever holds the token has through the proxy.
 */
export function proxyRedisUser(
  redisRestToken: string = LOCAL_DEFAULTS.REDIS_REST_TOKEN,
): ProxyRedisUser {
  const password = createHmac("sha256", redisRestToken)
    .update("coupon-drop: the Redis REST proxy's Redis ACL user")
    .digest("hex");
  return { name: PROXY_REDIS_USER, password };
}

/** `redisUrl` (host, port, database, TLS) with the user's credentials instead of its own. */
export function proxyRedisUrl(redisUrl: string, user: ProxyRedisUser): string {
  const url = new URL(redisUrl);
  url.username = encodeURIComponent(user.name);
  url.password = encodeURIComponent(user.password);
  return url.toString();
}

/** The password as Redis stores it: its SHA-256, so neither `ps` nor the ACL shows it. */
const hashed = (user: ProxyRedisUser) =>
  `#${createHash("sha256").update(user.password).digest("hex")}`;

/**
 * The user as a `redis-server --user` directive, for a Redis the stack starts: declared on the
 * command line, it is there from the first connection on. `commands` must all be known to that
 * redis-server (an unknown one stops it from starting): the ones an earlier start of it accepted.
 */
export function proxyUserDirective(user: ProxyRedisUser, commands: readonly string[]): string[] {
  return ["--user", user.name, "on", hashed(user), ...proxyAclRules(commands)];
}

/** The commands of `proxyRedisCommands()` this Redis knows (a rule naming another is an error). */
async function knownCommands(redis: Redis): Promise<string[]> {
  const wanted = proxyRedisCommands();
  const info = (await redis.call("COMMAND", "INFO", ...wanted)) as unknown[];
  return wanted.filter((_, i) => Array.isArray(info[i]));
}

export interface EnsureProxyRedisUserOptions {
  user?: ProxyRedisUser;
  /**
   * A Redis Cluster's seed nodes (`redisUrl` then gives only the credentials): the user is made on
   * every node of the cluster, primaries and replicas (Redis keeps ACL users per node, and a
   * replica may become a primary). Default: none, the one Redis at `redisUrl`.
   */
  clusterNodes?: readonly ClusterNode[];
  log?: (line: string) => void;
}

export interface ProxyRedisAccess {
  /** What the proxy connects with: `redisUrl` with the user's credentials, or `redisUrl` itself. */
  url: string;
  /** The commands the user was given (those this Redis knows), or null when it was not made. */
  commands: string[] | null;
}

/**
 * Creates (or brings up to date) the proxy's ACL user in the Redis at `redisUrl` with `ACL SETUSER`,
 * and answers the URL the proxy connects with: `redisUrl` with that user's credentials. When the
 * user cannot be made (a managed Redis that grants no ACL rights, a Redis without ACLs), says so
 * and answers `redisUrl` itself: the proxy then runs with REDIS_URL's own rights, as before.
 */
export async function ensureProxyRedisUser(
  redisUrl: string,
  {
    user = proxyRedisUser(),
    clusterNodes = [],
    log = console.log,
  }: EnsureProxyRedisUserOptions = {},
): Promise<ProxyRedisAccess> {
  try {
    const urls =
      clusterNodes.length === 0 ? [redisUrl] : await clusterNodeUrls(redisUrl, clusterNodes);
    const made = await Promise.all(
      urls.map((url) =>
        withAdmin(url, async (admin) => {
          const commands = await knownCommands(admin);
          await admin.call(
            "ACL",
            "SETUSER",
            user.name,
            "on",
            hashed(user),
            ...proxyAclRules(commands),
          );
          return commands;
        }),
      ),
    );
    return { url: proxyRedisUrl(redisUrl, user), commands: made[0] ?? null };
  } catch (error) {
    log(
      `could not create the Redis ACL user ${user.name} for the Redis REST proxy ` +
        `(${messageOf(error)}): the proxy connects with REDIS_URL's own user and rights instead`,
    );
    return { url: redisUrl, commands: null };
  }
}

/** `work` on a connection of its own to `url`, which fails at once rather than retry. */
async function withAdmin<T>(url: string, work: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  admin.on("error", () => undefined);
  try {
    await admin.connect();
    return await work(admin);
  } finally {
    admin.disconnect();
  }
}

/**
 * Every node of the cluster, as `redisUrl` with that node's host and port: `CLUSTER NODES` of the
 * first seed that answers (failed nodes left out).
 */
async function clusterNodeUrls(redisUrl: string, seeds: readonly ClusterNode[]): Promise<string[]> {
  let lastError: unknown;
  for (const seed of seeds) {
    try {
      const listing = await withAdmin(
        nodeUrl(redisUrl, seed),
        (admin) => admin.call("CLUSTER", "NODES") as Promise<string>,
      );
      return parseClusterNodesListing(listing).map((node) => nodeUrl(redisUrl, node));
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError ?? new Error("no Redis Cluster seed node given");
}

/** `redisUrl` (scheme, credentials) pointed at one node. */
function nodeUrl(redisUrl: string, { host, port }: ClusterNode): string {
  const url = new URL(redisUrl);
  url.hostname = host.includes(":") ? `[${host}]` : host;
  url.port = String(port);
  url.pathname = "";
  return url.toString();
}
