import { errors } from "@upstash/redis";
import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { PermanentError } from "#shared/errors/permanent-error.ts";

/**
 * Whether an error out of @upstash/redis means Redis could not be reached (the proxy down, or the
 * proxy answering 503 because Redis is): the same call may succeed in a moment. A reply Redis
 * itself gave (a script error, a wrong type) is not that, and stays a bug to report.
 */
export function isRedisUnreachable(error: unknown): boolean {
  // The proxy's 503 for a whole request, or Redis's own "not now" for one command of a pipeline.
  if (error instanceof errors.UpstashError)
    return /^(?:Command failed: )?(?:Redis is unavailable|LOADING|BUSY|TRYAGAIN|MASTERDOWN)\b/.test(
      error.message,
    );
  // fetch's own failure to connect: "fetch failed" on Node, "error sending request" on Deno.
  return error instanceof TypeError && /fetch failed|error sending request/i.test(error.message);
}

/**
 * Where a Redis failure enters the gateway: Redis out of reach is retriable, an answer Redis (or
 * the proxy) gave is permanent, each with the client's error as its cause. Anything else is not
 * Redis's and passes unchanged.
 */
export function toRedisError(error: unknown): unknown {
  if (isRedisUnreachable(error))
    return new DependencyUnavailableError(`Redis is unavailable: ${messageOf(error)}`, {
      cause: error,
    });
  if (error instanceof errors.UpstashError)
    return new PermanentError(`Redis refused the command: ${error.message}`, { cause: error });
  return error;
}
