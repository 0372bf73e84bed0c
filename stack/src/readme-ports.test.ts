import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  LOCAL_DEFAULTS,
  STACK_DEFAULTS,
  streamWorkerMetricsPort,
  workerMetricsPort,
} from "#shared/defaults.ts";
import { appProcesses } from "./app-processes.ts";
import { REPO_ROOT } from "./paths.ts";
import { stackEnv } from "./stack-env.ts";

/** The README's "Ports" table as port (or range) → what. */
function readmePorts(): Map<string, string> {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.split(/^## Ports$/m)[1]?.split(/^## /m)[0] ?? "";
  const rows = section.split("\n").filter((line) => /^\|\s*\d/.test(line));
  return new Map(
    rows.map((row) => {
      const [port = "", what = ""] = row
        .split("|")
        .slice(1)
        .map((cell) => cell.trim());
      return [port, what];
    }),
  );
}

const portOf = (url: string) => new URL(url).port;

describe("the README's port table", () => {
  it("says where npm start's processes listen, from the defaults they use", () => {
    const ports = readmePorts();
    const env = stackEnv({});
    const workers = appProcesses({ env }).filter((spec) => spec.name.startsWith("worker-"));
    expect(workers).toHaveLength(STACK_DEFAULTS.consumerCount);
    const workerPorts = workers.map((spec) => portOf(spec.healthUrl ?? ""));
    expect(workerPorts).toEqual(
      Array.from({ length: STACK_DEFAULTS.consumerCount }, (_, i) =>
        String(workerMetricsPort(i + 1)),
      ),
    );

    expect(ports.get(LOCAL_DEFAULTS.PORT)).toMatch(/^gateway/);
    expect(ports.get(portOf(LOCAL_DEFAULTS.INTERNAL_API_URL))).toMatch(/^control process/);
    expect(ports.get(portOf(LOCAL_DEFAULTS.REDIS_REST_URL))).toMatch(/Redis REST proxy/);
    expect(ports.get(portOf(LOCAL_DEFAULTS.KAFKA_REST_URL))).toMatch(/Kafka REST proxy/);
    expect(ports.get(`${workerPorts[0]}-${workerPorts.at(-1)}`)).toMatch(/^consumer workers/);
    const streamWorkerPorts = appProcesses({ env })
      .filter((spec) => spec.name.startsWith("stream-worker-"))
      .map((spec) => portOf(spec.healthUrl ?? ""));
    expect(streamWorkerPorts).toEqual(
      Array.from({ length: STACK_DEFAULTS.streamWorkerCount }, (_, i) =>
        String(streamWorkerMetricsPort(i + 1)),
      ),
    );
    expect(ports.get(`${streamWorkerPorts[0]}-${streamWorkerPorts.at(-1)}`)).toMatch(
      /^stream workers/,
    );
    const broker = LOCAL_DEFAULTS.KAFKA_BROKERS.split(":")[1];
    expect(ports.get(`${broker} / ${Number(broker) + 1}`)).toMatch(/^Kafka broker/);
    const [storefront] = appProcesses({ env, storefront: true }).filter(
      (spec) => spec.name === "storefront",
    );
    expect(portOf(storefront?.healthUrl ?? "")).toBe(portOf(LOCAL_DEFAULTS.STOREFRONT_URL));
    expect(ports.get(portOf(LOCAL_DEFAULTS.STOREFRONT_URL))).toMatch(/^storefront/);
    expect(ports.get(portOf(LOCAL_DEFAULTS.REDIS_URL))).toBe("Redis");
    expect(ports.get(portOf(LOCAL_DEFAULTS.DATABASE_URL))).toBe("PostgreSQL");
    expect(ports.size).toBe(10);
  });
});
