import { LUA_SOURCES } from "#shared/redis/lua-sources.generated.ts";
import { SCRIPT_COMMANDS, UPSTASH_DATA_COMMANDS } from "./command-policy.ts";

/**
 * The Redis ACL user the proxy's connection runs as (the stack creates it: stack/src/redis-proxy-user.ts).
 * Defence in depth behind the command policy: should anything get past the policy, Redis itself
 * refuses to flush, reconfigure, migrate or run an admin command for this connection, and scripts
 * run with their caller's ACL, so `redis.call('FLUSHALL')` inside one fails with NOPERM as well.
 */
export const PROXY_REDIS_USER = "coupon-redis-rest";

/** The commands the project's Lua scripts call (`redis.call('HGET', ...)`), lowercase. */
export function commandsOfScripts(
  sources: readonly string[] = Object.values(LUA_SOURCES),
): string[] {
  const found = new Set<string>();
  for (const source of sources)
    for (const match of source.matchAll(/redis\.p?call\(\s*["']([A-Za-z_]+)["']/g))
      found.add((match[1] as string).toLowerCase());
  return [...found];
}

/**
 * Everything the proxy ever sends to Redis, in either command profile, and nothing else: the
 * scripts (by source or SHA) and what they call, loading and finding them, the data commands the
 * profiles serve, pub/sub, MULTI/EXEC, and what ioredis sends when it connects (AUTH is always
 * allowed; SELECT, CLIENT SETNAME and SETINFO, the INFO of its ready check, QUIT) and, on a Redis
 * Cluster, what it reads the cluster's shape with (CLUSTER SLOTS, and CLUSTER INFO for readiness).
 */
export function proxyRedisCommands(): string[] {
  return [
    ...new Set([
      ...SCRIPT_COMMANDS,
      "script|load",
      "script|exists",
      ...commandsOfScripts(),
      "get",
      "set",
      "ping",
      ...UPSTASH_DATA_COMMANDS,
      "subscribe",
      "unsubscribe",
      "psubscribe",
      "punsubscribe",
      "multi",
      "exec",
      "discard",
      "select",
      "client|setname",
      "client|setinfo",
      "info",
      "quit",
      "cluster|slots",
      "cluster|info",
    ]),
  ].sort();
}

/**
 * The user's rules, password aside: every key and channel (the command policy keeps callers to the
 * gateway's own), no command but `commands`. Applied on top of an existing user, they replace its
 * keys, channels and commands and keep its passwords.
 */
export function proxyAclRules(commands: readonly string[] = proxyRedisCommands()): string[] {
  return ["resetkeys", "~*", "resetchannels", "&*", "-@all", ...commands.map((c) => `+${c}`)];
}
