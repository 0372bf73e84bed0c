import { describe, expect, it } from "vitest";
import { appProcesses, CREDENTIAL_VARIABLES } from "./app-processes.ts";
import { stackEnv } from "./stack-env.ts";

const specs = appProcesses({ env: stackEnv({}), workers: 1, streamWorkers: 1, storefront: true });
const handed = (name: string) => {
  const spec = specs.find((candidate) => candidate.name === name);
  if (!spec) throw new Error(`no ${name} among ${specs.map((s) => s.name)}`);
  return CREDENTIAL_VARIABLES.filter((variable) => !spec.withhold?.includes(variable));
};

describe("the credentials each process is handed", () => {
  it("gives the gateway, which faces the internet, no database or Redis credential", () => {
    expect(handed("gateway")).toEqual([
      "REDIS_REST_TOKEN",
      "KAFKA_REST_USERNAME",
      "KAFKA_REST_PASSWORD",
      "INTERNAL_API_TOKEN",
      "EVENT_SIGNING_KEY",
      "EVENT_VERIFICATION_KEYS",
      "JWT_SECRET",
      "WATCH_TOKEN_SECRET",
      "METRICS_TOKEN",
    ]);
  });

  it("gives each proxy its backend's credential and its own, nothing of the control side", () => {
    expect(handed("redis-rest")).toEqual(["REDIS_URL", "REDIS_REST_TOKEN"]);
    expect(handed("kafka-rest")).toEqual(["KAFKA_REST_USERNAME", "KAFKA_REST_PASSWORD"]);
  });

  it("gives the consumer side its own, and none of the gateway's or the proxies'", () => {
    for (const name of ["control", "worker-1", "stream-worker-1"])
      expect(handed(name), name).toEqual([
        "DATABASE_URL",
        "REDIS_URL",
        "INTERNAL_API_TOKEN",
        "EVENT_SIGNING_KEY",
        "EVENT_VERIFICATION_KEYS",
        "METRICS_TOKEN",
        "DASHBOARD_TOKEN",
      ]);
    expect(handed("storefront")).toEqual([]);
  });

  it("withholds for every gateway runtime alike", () => {
    for (const gatewayRuntime of ["deno", "node", "workers"] as const) {
      const gateway = appProcesses({ env: stackEnv({}), gatewayRuntime }).find(
        (spec) => spec.name === "gateway",
      );
      expect(gateway?.withhold, gatewayRuntime).toContain("DATABASE_URL");
      expect(gateway?.withhold, gatewayRuntime).toContain("REDIS_URL");
    }
  });
});
