import type { Plugin, YogaServerOptions } from "graphql-yoga";

type CorsOption = YogaServerOptions<Record<string, unknown>, Record<string, unknown>>["cors"];

/**
 * Yoga's CORS, limited to the configured origins. Yoga's default reflects any origin and allows
 * credentials, so any site could read the API's answers in its visitors' browsers. Here an origin on
 * the list gets it back (without credentials: callers identify with a header, never a cookie), any
 * other gets no CORS header at all, and an empty list means same-origin only (GraphiQL, served by
 * the gateway itself, is same-origin).
 */
export function corsPolicy(origins: readonly string[]): CorsOption {
  if (origins.length === 0) return false;
  const allowed = new Set(origins);
  return (request: Request) => {
    const origin = request.headers.get("origin");
    if (origin === null || !allowed.has(origin)) return false;
    return { origin, credentials: false, methods: ["GET", "POST"], maxAge: 600 };
  };
}

/** Caches must keep answers to different origins apart once the answer depends on the origin. */
export function useVaryOnOrigin(): Plugin {
  return {
    onResponse({ response }) {
      response.headers.append("vary", "Origin");
    },
  };
}
