import type { Redis } from "@upstash/redis";
import { isNoScriptError, type ScriptTransport } from "#shared/redis/script-transport.ts";
import type { RedisPipeline } from "./redis-pipeline.ts";
import { toRedisError } from "./redis-unreachable.ts";

/**
 * Runs admission scripts over the Upstash REST dialect: EVALSHA in the coalesced pipeline, and EVAL
 * alone once on NOSCRIPT (Redis restarted or flushed its scripts: rare, and the source is large).
 */
export function createUpstashScriptTransport(
  redis: Redis,
  pipeline: RedisPipeline,
): ScriptTransport {
  return {
    async evalScript(script, keys, args) {
      try {
        return await pipeline.run((p) => p.evalsha(script.sha1, keys, args));
      } catch (error) {
        if (!isNoScriptError(error)) throw toRedisError(error);
        return redis
          .eval(script.source, keys, args)
          .catch((e: unknown) => Promise.reject(toRedisError(e)));
      }
    },
  };
}
