import type { Redis } from "@upstash/redis";
import { isNoScriptError, type ScriptTransport } from "#shared/redis/script-transport.ts";
import { toRedisError } from "./redis-unreachable.ts";

/** Runs admission scripts over the Upstash REST dialect: EVALSHA, and EVAL once on NOSCRIPT. */
export function createUpstashScriptTransport(redis: Redis): ScriptTransport {
  return {
    async evalScript(script, keys, args) {
      try {
        return await redis.evalsha(script.sha1, keys, args);
      } catch (error) {
        if (!isNoScriptError(error)) throw toRedisError(error);
        return redis
          .eval(script.source, keys, args)
          .catch((e: unknown) => Promise.reject(toRedisError(e)));
      }
    },
  };
}
