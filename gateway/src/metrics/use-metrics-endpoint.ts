import type { Plugin } from "graphql-yoga";
import { pathOf } from "#shared/http-kit/request-path.ts";
import { createBearerCheck } from "./bearer-check.ts";
import { PROMETHEUS_CONTENT_TYPE, type Registry } from "./prometheus-registry.ts";

export interface MetricsEndpointOptions {
  registry: Registry;
  /**
   * The Bearer token `GET /metrics` asks for (the internal API's), or null to serve it to anyone,
   * which only development mode does (on loopback): the figures tell an outsider how a drop goes.
   */
  token: string | null;
  /** Default `/metrics`. */
  path?: string;
}

/** `GET /metrics`: the gateway's Prometheus text, before Yoga looks at the request. */
export function useMetricsEndpoint({
  registry,
  token,
  path = "/metrics",
}: MetricsEndpointOptions): Plugin {
  const isAuthorized = token === null ? async () => true : createBearerCheck(token);
  return {
    async onRequest({ request, endResponse }) {
      // Not `url.pathname`: parsing every request's URL costs a press more than this plugin is worth.
      if (pathOf(request.url) !== path) return;
      if (request.method !== "GET") {
        endResponse(new Response("only GET\n", { status: 405, headers: { allow: "GET" } }));
        return;
      }
      if (!(await isAuthorized(request.headers.get("authorization")))) {
        endResponse(
          new Response(JSON.stringify({ error: "missing or wrong bearer token", status: 401 }), {
            status: 401,
            headers: { "content-type": "application/json; charset=utf-8" },
          }),
        );
        return;
      }
      endResponse(
        new Response(registry.metrics(), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } }),
      );
    },
  };
}
