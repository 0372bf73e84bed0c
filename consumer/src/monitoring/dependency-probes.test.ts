import { describe, expect, it } from "vitest";
import { createDependencyProbes } from "./dependency-probes.ts";
import { createControlMetrics, createMetricsRegistry } from "./metrics.ts";

describe("dependency probes", () => {
  it("marks a dependency up when it answers in time, down when it fails or hangs", async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    let release: () => void = () => undefined;
    const hanging = new Promise<void>((resolve) => {
      release = resolve;
    });
    const probes = createDependencyProbes({
      metrics: createControlMetrics(registry),
      timeoutMs: 50,
      probes: {
        redis: async () => "PONG",
        postgresql: async () => Promise.reject(new Error("connection refused")),
        kafka: () => hanging,
      },
    });
    expect(await probes.probeAll()).toEqual({ redis: true, postgresql: false, kafka: false });
    const text = await registry.metrics();
    expect(text).toContain('coupon_drop_dependency_up{dependency="redis"} 1');
    expect(text).toContain('coupon_drop_dependency_up{dependency="postgresql"} 0');
    expect(text).toContain('coupon_drop_dependency_up{dependency="kafka"} 0');
    // While the hanging call is out it is not started again, and the dependency stays down.
    expect((await probes.probeAll()).kafka).toBe(false);
    release();
    await hanging;
    await new Promise((resolve) => setImmediate(resolve));
    expect((await probes.probeAll()).kafka).toBe(true);
  });
});
