/**
 * The commands this proxy serves: what the project needs plus the common reads and writes. Refused:
 * admin and dangerous commands (FLUSHALL, CONFIG, KEYS, SHUTDOWN, DEBUG, MODULE, ACL, MIGRATE, ...);
 * blocking commands, which would stall the connection every caller shares; and connection state
 * (SELECT, WATCH, MULTI, SUBSCRIBE, CLIENT, ...), which means nothing over stateless HTTP —
 * transactions go to `/multi-exec`, pub/sub to `/subscribe/<channel>`.
 *
 * Scripts are allowed, and a script can call any command: whoever holds the token is trusted with
 * the data (not with the server), as with Upstash itself.
 */
const ALLOWED_COMMANDS = new Set(
  `append bitcount bitpos dbsize decr decrby del echo eval eval_ro evalsha evalsha_ro exists
  expire expireat expiretime get getbit getdel getex getrange getset hdel hexists hget hgetall
  hincrby hincrbyfloat hkeys hlen hmget hmset hrandfield hscan hset hsetnx hstrlen hvals incr incrby
  incrbyfloat lindex linsert llen lmove lmpop lpop lpos lpush lpushx lrange lrem lset ltrim mget mset
  msetnx persist pexpire pexpireat pexpiretime ping psetex pttl publish randomkey rename renamenx rpop
  rpoplpush rpush rpushx sadd scan scard sdiff sdiffstore set setbit setex setnx setrange sinter
  sintercard sinterstore sismember smembers smismember smove spop srandmember srem sscan strlen
  sunion sunionstore time touch ttl type unlink zadd zcard zcount zdiff zdiffstore zincrby zinter
  zintercard zinterstore zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange zrangebylex
  zrangebyscore zrangestore zrank zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange
  zrevrangebylex zrevrangebyscore zrevrank zscan zscore zunion zunionstore`
    .split(/\s+/)
    .filter(Boolean),
);

/** SCRIPT LOAD and SCRIPT EXISTS only: FLUSH and KILL reach every client of the server. */
const ALLOWED_SCRIPT_SUBCOMMANDS = new Set(["load", "exists"]);

export type CommandArgument = string | number | boolean;

/** Why `command` is refused, as a Redis-style error line; undefined when it is served. */
export function refusal(command: readonly CommandArgument[]): string | undefined {
  const name = String(command[0] ?? "").toLowerCase();
  if (name === "script") {
    const subcommand = String(command[1] ?? "").toLowerCase();
    return ALLOWED_SCRIPT_SUBCOMMANDS.has(subcommand)
      ? undefined
      : `ERR command 'script ${subcommand}' is not allowed by this proxy (only SCRIPT LOAD and SCRIPT EXISTS are)`;
  }
  if (ALLOWED_COMMANDS.has(name)) return undefined;
  return `ERR command '${name}' is not allowed by this proxy`;
}
