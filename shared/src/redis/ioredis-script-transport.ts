import { type Redis, ReplyError } from "ioredis";
import { isNoScriptError, type ScriptTransport } from "#shared/redis/script-transport.ts";

/** An error from Redis itself (a script bug) is permanent; anything else means Redis is away. */
function classify(error: unknown): unknown {
  if (error instanceof Error && !(error instanceof ReplyError))
    Object.assign(error, { retriable: true });
  return error;
}

/** Runs admission scripts over a RESP connection: EVALSHA, and EVAL once when Redis lost the script. */
export function createIoredisScriptTransport(redis: Redis): ScriptTransport {
  return {
    async evalScript(script, keys, args) {
      try {
        return await redis.evalsha(script.sha1, keys.length, ...keys, ...args);
      } catch (error) {
        if (!isNoScriptError(error)) throw classify(error);
        return redis
          .eval(script.source, keys.length, ...keys, ...args)
          .catch((e: unknown) => Promise.reject(classify(e)));
      }
    },
  };
}
