import { Counter } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpService } from "#shared/http-kit/http-service.ts";
import { startHealthServer } from "./health-server.ts";
import { createMetricsRegistry } from "./metrics.ts";

const TOKEN = "a-metrics-token-of-its-own-32-bytes";

describe("health server", () => {
  let guarded: HttpService;
  let open: HttpService;
  beforeAll(async () => {
    const registry = createMetricsRegistry();
    new Counter({ name: "probes_total", help: "Probes.", registers: [registry] }).inc(1);
    guarded = await startHealthServer({ port: 0, registry, metricsToken: TOKEN });
    open = await startHealthServer({ port: 0, registry });
  });
  afterAll(async () => {
    await guarded?.close();
    await open?.close();
  });

  const get = (service: HttpService, path: string, authorization?: string) =>
    fetch(`${service.url}${path}`, { headers: authorization ? { authorization } : {} });

  it("serves /metrics only to the token's bearer when it has one", async () => {
    for (const authorization of [undefined, "Bearer wrong", `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const refused = await get(guarded, "/metrics", authorization);
      expect(refused.status, authorization).toBe(401);
      expect(await refused.text()).not.toContain("probes_total");
    }
    const allowed = await get(guarded, "/metrics", `Bearer ${TOKEN}`);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain("probes_total 1");
  });

  it("serves /health to anyone, and /metrics to anyone without a token (development)", async () => {
    expect((await get(guarded, "/health")).status).toBe(200);
    const metrics = await get(open, "/metrics");
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("probes_total 1");
  });
});
