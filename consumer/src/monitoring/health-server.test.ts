import { Counter } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpService } from "#shared/http-kit/http-service.ts";
import { startHealthServer } from "./health-server.ts";
import { createMetricsRegistry } from "./metrics.ts";

const TOKEN = "a-metrics-token-of-its-own-32-bytes";

describe("health server", () => {
  let guarded: HttpService;
  let open: HttpService;
  let closed: HttpService;
  beforeAll(async () => {
    const registry = createMetricsRegistry();
    new Counter({ name: "probes_total", help: "Probes.", registers: [registry] }).inc(1);
    guarded = await startHealthServer({
      port: 0,
      registry,
      metrics: { kind: "token", token: TOKEN },
    });
    open = await startHealthServer({ port: 0, registry });
    closed = await startHealthServer({
      port: 0,
      registry,
      metrics: { kind: "closed", variable: "METRICS_TOKEN" },
    });
  });
  afterAll(async () => {
    await guarded?.close();
    await open?.close();
    await closed?.close();
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

  it("outside development without a token of its own serves /metrics to nobody, /health to all", async () => {
    const refused = await get(closed, "/metrics", `Bearer ${TOKEN}`);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toMatch(/set METRICS_TOKEN/);
    expect((await get(closed, "/health")).status).toBe(200);
  });

  it("serves /health to anyone, and /metrics to anyone without a token (development)", async () => {
    expect((await get(guarded, "/health")).status).toBe(200);
    const metrics = await get(open, "/metrics");
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("probes_total 1");
  });
});
