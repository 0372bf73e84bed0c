import type { IncomingMessage, ServerResponse } from "node:http";

export interface RouteContext {
  request: IncomingMessage;
  response: ServerResponse;
  /** The values of the path's `:name` segments, decoded; validate them before use. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
}

export interface Route {
  method: string;
  /** Literal segments and `:name` segments, e.g. `/internal/coupons/:id/load`. */
  path: string;
  handle(context: RouteContext): Promise<void>;
}

/** Answers a request when one of its routes matches the method and path; false when none does. */
export type Router = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/**
 * A path segment decoded, or as sent when it is not valid percent-encoding (a client that does not
 * encode its segments, or a malformed one the handler's validation then names).
 */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchSegments(pattern: string[], path: string[]): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (const [index, expected] of pattern.entries()) {
    const actual = path[index] as string;
    if (expected.startsWith(":")) params[expected.slice(1)] = decodePathSegment(actual);
    else if (expected !== actual) return null;
  }
  return params;
}

/**
 * A small router over a fixed list of routes, first match wins. What no route matches is left to
 * the caller (false), which decides between a 404, another router, or a fallback of its own.
 */
export function createRouter(routes: Route[]): Router {
  const compiled = routes.map((route) => ({ route, segments: route.path.split("/") }));
  return async (request, response) => {
    const url = new URL(request.url ?? "/", "http://service");
    const path = url.pathname.split("/");
    for (const { route, segments } of compiled) {
      if (route.method !== request.method) continue;
      const params = matchSegments(segments, path);
      if (!params) continue;
      await route.handle({ request, response, params, query: url.searchParams });
      return true;
    }
    return false;
  };
}
