import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { Counter, Histogram, Registry } from "./prometheus-registry.ts";

function registryWithSamples() {
  const registry = new Registry();
  const presses = registry.register(
    new Counter({
      name: "test_presses_total",
      help: "Presses.",
      labelNames: ["outcome"] as const,
    }),
  );
  const answers = registry.register(
    new Histogram({ name: "test_answer_seconds", help: "Answers.", buckets: [0.1, 0.01, 1] }),
  );
  presses.labels("accepted").inc();
  presses.labels("accepted").inc(2);
  presses.labels('odd "label"\\\n').inc();
  for (const seconds of [0.005, 0.01, 0.5, 3]) answers.observe(seconds);
  return registry;
}

describe("the gateway's Prometheus registry", () => {
  it("writes counters and cumulative histogram buckets in the text format", () => {
    const text = registryWithSamples().metrics();
    expect(text).toContain('test_presses_total{outcome="accepted"} 3\n');
    expect(text).toContain('test_presses_total{outcome="odd \\"label\\"\\\\\\n"} 1\n');
    expect(text).toContain(
      [
        'test_answer_seconds_bucket{le="0.01"} 2',
        'test_answer_seconds_bucket{le="0.1"} 2',
        'test_answer_seconds_bucket{le="1"} 3',
        'test_answer_seconds_bucket{le="+Inf"} 4',
        "test_answer_seconds_sum 3.515",
        "test_answer_seconds_count 4",
      ].join("\n"),
    );
  });

  it("passes promtool's check of the exposition format", () => {
    const check = spawnSync("promtool", ["check", "metrics"], {
      input: registryWithSamples().metrics(),
      encoding: "utf8",
    });
    expect(check.error, "promtool is installed (apt-get install prometheus)").toBeUndefined();
    expect(`${check.stdout}${check.stderr}`.trim()).toBe("");
    expect(check.status).toBe(0);
  });
});
