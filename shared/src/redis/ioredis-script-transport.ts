import { ReplyError } from "ioredis";
import { isNoScriptError, type ScriptTransport } from "#shared/redis/script-transport.ts";
import { DependencyUnavailableError } from "../errors/dependency-unavailable-error.ts";
import { messageOf } from "../errors/message-of.ts";
import { PermanentError } from "../errors/permanent-error.ts";
import type { IoredisClient } from "./ioredis-client.ts";

/**
 * Where a Redis failure enters the Node side. A reply Redis itself gave (a script error, a wrong
 * type) is permanent: the same script fails the same way. Anything else means Redis is away (the
 * connection refused, reset, or the command not sent while reconnecting): retriable.
 */
export function toRedisError(error: unknown): Error {
  if (error instanceof ReplyError)
    return new PermanentError(`Redis refused the script: ${messageOf(error)}`, { cause: error });
  return new DependencyUnavailableError(`Redis is unavailable: ${messageOf(error)}`, {
    cause: error,
  });
}

/**
 * Runs admission scripts over a RESP connection: EVALSHA, and EVAL once when Redis lost the script.
 * On a cluster each goes to the primary of its keys' slot, and EVAL caches the script on whichever
 * primary did not know it (a replica promoted by a failover, a node added).
 */
export function createIoredisScriptTransport(redis: IoredisClient): ScriptTransport {
  return {
    async evalScript(script, keys, args) {
      try {
        return await redis.evalsha(script.sha1, keys.length, ...keys, ...args);
      } catch (error) {
        if (!isNoScriptError(error)) throw toRedisError(error);
        return redis
          .eval(script.source, keys.length, ...keys, ...args)
          .catch((e: unknown) => Promise.reject(toRedisError(e)));
      }
    },
  };
}
