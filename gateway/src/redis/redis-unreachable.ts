/**
 * Whether an error out of @upstash/redis means Redis could not be reached (the proxy down, or the
 * proxy answering 503 because Redis is): the same call may succeed in a moment. A reply Redis
 * itself gave (a script error, a wrong type) is not that, and stays a bug to report.
 */
export function isRedisUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "UpstashError")
    return /^(Redis is unavailable|LOADING|BUSY|TRYAGAIN|MASTERDOWN)\b/.test(error.message);
  // fetch's own failure to connect: "fetch failed" on Node, "error sending request" on Deno.
  return error.name === "TypeError" && /fetch failed|error sending request/i.test(error.message);
}
