import { z } from "zod";
import { HTTP_SERVER_DEFAULTS } from "../defaults.ts";
import { parseOrThrow } from "../describe-issues.ts";

/** The connection limits of one Node HTTP server; defaults in `HTTP_SERVER_DEFAULTS`. */
export interface HttpServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

const positiveInt = z.coerce.number().int().positive();

const envSchema = z
  .object({
    HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(HTTP_SERVER_DEFAULTS.headersTimeoutMs),
    HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(HTTP_SERVER_DEFAULTS.requestTimeoutMs),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(HTTP_SERVER_DEFAULTS.keepAliveTimeoutMs),
    HTTP_MAX_CONNECTIONS: positiveInt.default(HTTP_SERVER_DEFAULTS.maxConnections),
  })
  // Node applies the smaller of the two to the headers anyway; saying so beats a silent surprise.
  .refine((c) => c.HTTP_HEADERS_TIMEOUT_MS <= c.HTTP_REQUEST_TIMEOUT_MS, {
    message: "HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS",
    path: ["HTTP_HEADERS_TIMEOUT_MS"],
  });

/**
 * Reads `HTTP_HEADERS_TIMEOUT_MS`, `HTTP_REQUEST_TIMEOUT_MS`, `HTTP_KEEP_ALIVE_TIMEOUT_MS` and
 * `HTTP_MAX_CONNECTIONS`: one set of names for every process that serves HTTP on Node, so a
 * deployment tunes them the same way everywhere. Part of each process's configuration module.
 */
export function readHttpServerLimits(env: Record<string, string | undefined>): HttpServerLimits {
  const c = parseOrThrow(envSchema, env, "HTTP server limits");
  return {
    headersTimeoutMs: c.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: c.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: c.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: c.HTTP_MAX_CONNECTIONS,
  };
}
