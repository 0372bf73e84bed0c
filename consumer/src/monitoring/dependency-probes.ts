import { MONITORING_DEFAULTS } from "#shared/defaults.ts";
import type { ControlMetrics } from "./metrics.ts";

export interface DependencyProbesOptions {
  /** One cheap call per dependency (`kafka`, `redis`, `postgresql`); it resolves when reachable. */
  probes: Record<string, () => Promise<unknown>>;
  metrics: ControlMetrics;
  /** A probe not answered by then counts as down. Default `MONITORING_DEFAULTS.probeTimeoutMs`. */
  timeoutMs?: number;
}

/**
 * `coupon_drop_dependency_up{dependency}`: 1 when the dependency answered its last probe in time.
 * A client that retries on its own (kafkajs, ioredis) may hold a call far longer than the timeout:
 * the probe is not started again while one is still out, and the dependency counts as down meanwhile.
 */
export function createDependencyProbes({
  probes,
  metrics,
  timeoutMs = MONITORING_DEFAULTS.probeTimeoutMs,
}: DependencyProbesOptions) {
  const outstanding = new Set<string>();

  async function probe(name: string, call: () => Promise<unknown>): Promise<boolean> {
    const gauge = metrics.dependencyUp.labels(name);
    if (outstanding.has(name)) {
      gauge.set(0);
      return false;
    }
    outstanding.add(name);
    const answered = call().then(
      () => true,
      () => false,
    );
    void answered.finally(() => outstanding.delete(name));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const up = await Promise.race([answered, late]);
    clearTimeout(timer);
    gauge.set(up ? 1 : 0);
    return up;
  }

  return {
    /** Probes every dependency once; answers which were up. */
    async probeAll(): Promise<Record<string, boolean>> {
      const names = Object.keys(probes);
      const results = await Promise.all(
        names.map((name) => probe(name, probes[name] as () => Promise<unknown>)),
      );
      return Object.fromEntries(names.map((name, i) => [name, results[i] as boolean]));
    },
  };
}
