import { createServer, type RequestListener, type Server } from "node:http";
import { HTTP_SERVER_DEFAULTS } from "../defaults.ts";
import type { HttpServerLimits } from "./server-limits.ts";

/**
 * A node:http server with the connection limits every service of the project runs with: a client
 * that sends its headers or its request too slowly gets 408 and is cut off (slowloris), an idle
 * keep-alive connection is closed, and connections beyond `maxConnections` are refused at accept.
 * Node checks the two timeouts on a timer (30 s by default, which would let a slow client hold a
 * socket far longer than configured): here it runs at least four times per headers timeout.
 */
export function createLimitedServer(
  listener: RequestListener,
  {
    headersTimeoutMs = HTTP_SERVER_DEFAULTS.headersTimeoutMs,
    requestTimeoutMs = HTTP_SERVER_DEFAULTS.requestTimeoutMs,
    keepAliveTimeoutMs = HTTP_SERVER_DEFAULTS.keepAliveTimeoutMs,
    maxConnections = HTTP_SERVER_DEFAULTS.maxConnections,
  }: Partial<HttpServerLimits> = {},
): Server {
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(headersTimeoutMs / 4))),
    },
    listener,
  );
  server.maxConnections = maxConnections;
  return server;
}
