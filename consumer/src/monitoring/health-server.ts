import type { Registry } from "prom-client";
import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import { type AccessRule, createAccessGuard } from "#shared/http-kit/access-rule.ts";
import { HttpError } from "#shared/http-kit/http-error.ts";
import { createHttpService, type HttpService } from "#shared/http-kit/http-service.ts";
import { sendJson } from "#shared/http-kit/json-response.ts";
import { createRouter, type Router } from "#shared/http-kit/router.ts";
import type { HttpServerLimits } from "#shared/http-kit/server-limits.ts";

export interface HealthRoutesOptions {
  /** The process's metrics (metrics.ts), served as Prometheus text. */
  registry: Registry;
  /** Reports whether the process is doing its job (e.g. joined its consumer group). Default: yes. */
  isReady?: () => boolean;
  /**
   * Who may scrape `/metrics`: the bearer of `METRICS_TOKEN` (a scraper's
   * `authorization.credentials`), anyone in development on loopback, nobody when it is unset
   * elsewhere. Default open.
   */
  metrics?: AccessRule;
}

/**
 * `GET /health` (200 while ready, 503 before; open, for load balancers and supervisors) and
 * `GET /metrics` (Prometheus text; behind the token when there is one, since it tells an outsider
 * how the system is doing); any other request is left to the caller, so a process with a server of
 * its own mounts these beside its own.
 */
export function createHealthRoutes({
  registry,
  isReady = () => true,
  metrics = { kind: "open" },
}: HealthRoutesOptions): Router {
  const guard = createAccessGuard(metrics, { what: "/metrics" });
  return createRouter([
    {
      method: "GET",
      path: "/health",
      async handle({ response }) {
        const ready = isReady();
        sendJson(response, ready ? 200 : 503, { status: ready ? "ok" : "starting" });
      },
    },
    {
      method: "GET",
      path: "/metrics",
      async handle({ request, response }) {
        guard(request.headers.authorization);
        const text = await registry.metrics();
        response.writeHead(200, { "content-type": registry.contentType });
        response.end(text);
      },
    },
  ]);
}

export interface HealthServerOptions extends HealthRoutesOptions {
  port: number;
  /** Default `LOCAL_DEFAULTS.HOST` (loopback). */
  host?: string;
  /** Timeouts and connection cap of the server. Default `HTTP_SERVER_DEFAULTS`. */
  httpLimits?: Partial<HttpServerLimits>;
}

/** A service with just the health routes, for processes that have no HTTP server of their own. */
export async function startHealthServer({
  port,
  host = LOCAL_DEFAULTS.HOST,
  httpLimits,
  ...routeOptions
}: HealthServerOptions): Promise<HttpService> {
  const routes = createHealthRoutes(routeOptions);
  const service = createHttpService({
    async handle(request, response) {
      if (!(await routes(request, response))) throw new HttpError(404, "not found");
    },
    limits: httpLimits,
  });
  await service.listen(port, host);
  return service;
}
