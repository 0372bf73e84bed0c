import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Metrics } from "./metrics.ts";

/**
 * Answers `/health` and `/metrics` (Prometheus text); false for any other path, so a process with
 * a server of its own can mount these routes beside its own.
 */
export function createHealthRoutes(metrics: Metrics, isReady: () => boolean = () => true) {
  return async function healthRoutes(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<boolean> {
    if (request.url === "/health") {
      const ready = isReady();
      response.writeHead(ready ? 200 : 503, { "content-type": "application/json" });
      response.end(JSON.stringify({ status: ready ? "ok" : "starting" }));
      return true;
    }
    if (request.url === "/metrics") {
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      response.end(await metrics.render());
      return true;
    }
    return false;
  };
}

export interface HealthServerOptions {
  port: number;
  host?: string;
  metrics: Metrics;
  /** Reports whether the process is doing its job (e.g. joined its consumer group). */
  isReady?: () => boolean;
}

/** A server with just the health routes, for processes that have no HTTP server of their own. */
export function startHealthServer({
  port,
  host = "127.0.0.1",
  metrics,
  isReady,
}: HealthServerOptions): Promise<Server> {
  const routes = createHealthRoutes(metrics, isReady);
  const server = createServer(async (request, response) => {
    if (await routes(request, response)) return;
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: "not found", status: 404 }));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
