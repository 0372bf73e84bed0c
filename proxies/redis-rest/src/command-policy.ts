import { createHash } from "node:crypto";
import { REDIS_REST_DEFAULTS } from "#shared/defaults.ts";
import { createRedisKeys } from "#shared/redis/keys.ts";
import { LUA_SOURCES } from "#shared/redis/lua-sources.generated.ts";

/**
 * What the proxy serves. `project` (the default, what the coupon system runs): exactly what the
 * gateway sends — the project's own scripts, GET and SET of the request index, PING, and
 * subscriptions to request status channels. `upstash`: the common data commands of the Upstash
 * dialect as well, for a proxy that other applications share.
 *
 * In both, scripts are the project's own and nothing else: EVALSHA of a known SHA, EVAL whose source
 * is a project script (run by SHA), never arbitrary Lua — a script can call any command, so EVAL
 * would undo every other rule here (FLUSHALL, PUBLISH of a forged status, `while true do end`).
 * Always refused: admin and dangerous commands (FLUSHALL, CONFIG, KEYS, SHUTDOWN, DEBUG, MODULE, ACL,
 * MIGRATE, SCRIPT FLUSH/KILL/LOAD, ...), blocking commands, which would stall the connection every
 * caller shares, and connection state (SELECT, WATCH, MULTI, SUBSCRIBE, CLIENT, ...), which means
 * nothing over stateless HTTP: transactions go to `/multi-exec`, pub/sub to `/subscribe/<channel>`.
 */
export type CommandProfile = "project" | "upstash";

export type CommandArgument = string | number | boolean;
type Command = readonly CommandArgument[];

const words = (text: string) => new Set(text.split(/\s+/).filter(Boolean));

/** Served in the `upstash` profile besides the scripts: data commands that touch no server state. */
export const UPSTASH_DATA_COMMANDS =
  words(`append bitcount bitpos dbsize decr decrby del echo exists
  expire expireat expiretime get getbit getdel getex getrange getset hdel hexists hget hgetall
  hincrby hincrbyfloat hkeys hlen hmget hmset hrandfield hscan hset hsetnx hstrlen hvals incr incrby
  incrbyfloat lindex linsert llen lmove lmpop lpop lpos lpush lpushx lrange lrem lset ltrim mget mset
  msetnx persist pexpire pexpireat pexpiretime ping psetex pttl publish randomkey rename renamenx rpop
  rpoplpush rpush rpushx sadd scan scard sdiff sdiffstore set setbit setex setnx setrange sinter
  sintercard sinterstore sismember smembers smismember smove spop srandmember srem sscan strlen
  sunion sunionstore time touch ttl type unlink zadd zcard zcount zdiff zdiffstore zincrby zinter
  zintercard zinterstore zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange zrangebylex
  zrangebyscore zrangestore zrank zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange
  zrevrangebylex zrevrangebyscore zrevrank zscan zscore zunion zunionstore`);

export const SCRIPT_COMMANDS = words("eval eval_ro evalsha evalsha_ro");

/** A project script: its source and SHA-1, the name Redis caches it under. */
export interface KnownScript {
  sha1: string;
  source: string;
}

/** The project's Lua scripts with their SHA-1 (the proxy is Node: node:crypto, computed once). */
export function projectScripts(): KnownScript[] {
  return Object.values(LUA_SOURCES).map((source) => ({
    source,
    sha1: createHash("sha1").update(source).digest("hex"),
  }));
}

/** A command as it may be sent to Redis, or the Redis-style error line that refuses it. */
export type Checked = { command: Command } | { refused: string };

export interface CommandPolicy {
  check(command: Command): Checked;
  /** Why a subscription is refused; undefined when it is served. */
  channelRefusal(kind: "subscribe" | "psubscribe", name: string): string | undefined;
  /** The source of a project script by SHA-1 (to load it again when Redis lost its cache). */
  scriptSource(sha1: string): string | undefined;
  readonly scripts: readonly KnownScript[];
}

export interface CommandPolicyOptions {
  /** Default `REDIS_REST_DEFAULTS.commands`. */
  profile?: CommandProfile;
  /** Default: the project's scripts. */
  scripts?: KnownScript[];
  /** The gateway's Redis key prefix (keys.ts): its request index and status channels are served. Default "". */
  keyPrefix?: string;
}

const notAllowed = (name: string) => `ERR command '${name}' is not allowed by this proxy`;

export function createCommandPolicy({
  profile = REDIS_REST_DEFAULTS.commands,
  scripts = projectScripts(),
  keyPrefix = "",
}: CommandPolicyOptions = {}): CommandPolicy {
  const keys = createRedisKeys(keyPrefix);
  const bySha = new Map(scripts.map((s) => [s.sha1, s]));
  const bySource = new Map(scripts.map((s) => [s.source, s]));

  function checkScript(name: string, command: Command): Checked {
    const [, body, ...rest] = command;
    if (name === "eval" || name === "eval_ro") {
      const known = bySource.get(String(body ?? ""));
      if (!known)
        return {
          refused: `ERR ${name} of a script other than the project's is not allowed by this proxy`,
        };
      // Run by SHA: Redis need not hash the source again, and it is already cached there.
      return { command: [name === "eval" ? "EVALSHA" : "EVALSHA_RO", known.sha1, ...rest] };
    }
    const sha1 = String(body ?? "").toLowerCase();
    if (!bySha.has(sha1))
      return {
        refused: `ERR ${name} of a script other than the project's is not allowed by this proxy`,
      };
    return { command: [command[0] as CommandArgument, sha1, ...rest] };
  }

  /** The project profile: the request index, read and written the way the gateway does. */
  function checkProjectCommand(name: string, command: Command): Checked {
    const key = String(command[1] ?? "");
    if (name === "ping") return { command };
    if ((name === "get" || name === "set") && !keys.isRequestIndex(key))
      return { refused: `ERR ${name} of key '${key}' is not allowed by this proxy` };
    if (name === "get" && command.length === 2) return { command };
    if (name === "set") {
      const options = command.slice(3).map((a) => String(a).toLowerCase());
      const expiring = options.length === 2 && options[0] === "ex";
      if (command.length === 5 && expiring) return { command };
      return { refused: "ERR set is allowed by this proxy only as SET key value EX seconds" };
    }
    return { refused: notAllowed(name) };
  }

  return {
    scripts,
    scriptSource: (sha1) => bySha.get(sha1)?.source,
    check(command) {
      const name = String(command[0] ?? "").toLowerCase();
      if (SCRIPT_COMMANDS.has(name)) return checkScript(name, command);
      if (name === "script") {
        const subcommand = String(command[1] ?? "").toLowerCase();
        return profile === "upstash" && subcommand === "exists"
          ? { command }
          : { refused: notAllowed(`script ${subcommand}`) };
      }
      if (profile === "upstash")
        return UPSTASH_DATA_COMMANDS.has(name) ? { command } : { refused: notAllowed(name) };
      return checkProjectCommand(name, command);
    },
    channelRefusal(kind, name) {
      if (profile === "upstash") return undefined;
      if (kind === "psubscribe") return "ERR pattern subscriptions are not allowed by this proxy";
      return keys.isStatusChannel(name)
        ? undefined
        : `ERR subscribing to channel '${name}' is not allowed by this proxy`;
    },
  };
}
