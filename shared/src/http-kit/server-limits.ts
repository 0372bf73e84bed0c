import { z } from "zod";
import { commaList } from "../comma-list.ts";
import { HTTP_SERVER_DEFAULTS } from "../defaults.ts";
import { parseOrThrow } from "../describe-issues.ts";

/** The connection limits of one Node HTTP server; defaults in `HTTP_SERVER_DEFAULTS`. */
export interface HttpServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  /**
   * `ALLOWED_HOSTS`: the host names a request's `Host` may carry besides loopback names (on a
   * loopback server) or at all (elsewhere; empty: any). See host-policy.ts.
   */
  allowedHosts: readonly string[];
}

/** A host name as `Host` carries it (no port), or `*.` and a domain for every name under it. */
const allowedHost = z
  .string()
  .transform((name) => name.toLowerCase())
  .pipe(
    z
      .string()
      .regex(
        /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$|^\[[0-9a-f:.]+\]$/,
        "a host name without port (shop.example, *.shop.example, [::1])",
      ),
  );

const positiveInt = z.coerce.number().int().positive();

const envSchema = z
  .object({
    HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(HTTP_SERVER_DEFAULTS.headersTimeoutMs),
    HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(HTTP_SERVER_DEFAULTS.requestTimeoutMs),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(HTTP_SERVER_DEFAULTS.keepAliveTimeoutMs),
    HTTP_MAX_CONNECTIONS: positiveInt.default(HTTP_SERVER_DEFAULTS.maxConnections),
    ALLOWED_HOSTS: commaList.pipe(z.array(allowedHost)).default([]),
  })
  // Node applies the smaller of the two to the headers anyway; saying so beats a silent surprise.
  .refine((c) => c.HTTP_HEADERS_TIMEOUT_MS <= c.HTTP_REQUEST_TIMEOUT_MS, {
    message: "HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS",
    path: ["HTTP_HEADERS_TIMEOUT_MS"],
  });

/**
 * Reads `HTTP_HEADERS_TIMEOUT_MS`, `HTTP_REQUEST_TIMEOUT_MS`, `HTTP_KEEP_ALIVE_TIMEOUT_MS`,
 * `HTTP_MAX_CONNECTIONS` and `ALLOWED_HOSTS`: one set of names for every process that serves HTTP on Node, so a
 * deployment tunes them the same way everywhere. Part of each process's configuration module.
 */
export function readHttpServerLimits(env: Record<string, string | undefined>): HttpServerLimits {
  const c = parseOrThrow(envSchema, env, "HTTP server limits");
  return {
    headersTimeoutMs: c.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: c.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: c.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: c.HTTP_MAX_CONNECTIONS,
    allowedHosts: c.ALLOWED_HOSTS,
  };
}
