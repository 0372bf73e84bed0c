import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureRedis } from "#stack/services/redis-server.ts";
import { expectInvariantsHold } from "../support/invariants.ts";
import { freePort, type SystemUnderTest, startSystem } from "../support/system.ts";
import { dropUnderFault, expectIssuanceWorks, FAST_RECONCILER } from "./fault-harness.ts";

describe("fault: Redis loses its data mid-drop (FLUSHALL, then a restart without persistence)", () => {
  // A Redis of this test's own: the machine's must not be flushed or restarted.
  let redisUrl: string;
  let redis: Awaited<ReturnType<typeof ensureRedis>>;
  let system: SystemUnderTest;
  beforeAll(async () => {
    redisUrl = `redis://127.0.0.1:${await freePort()}`;
    redis = await ensureRedis(redisUrl, () => {});
    system = await startSystem({
      infra: { REDIS_URL: redisUrl },
      extraEnv: { control: FAST_RECONCILER },
    });
  });
  afterAll(async () => {
    await system?.stop();
    await redis?.stop();
  });

  it("rebuilds admission from PostgreSQL, never oversells, and answers every request", async () => {
    const { report } = await dropUnderFault({
      scenario: "redis flushall + restart",
      system,
      fault: async () => {
        const client = new Redis(redisUrl);
        await client.flushall();
        client.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 500));
        redis.process?.kill("SIGKILL");
        await new Promise((resolve) => setTimeout(resolve, 1000));
        redis = await ensureRedis(redisUrl, () => {});
        return Date.now();
      },
    });
    expectInvariantsHold(report);
    // Redis forgot what was in flight, so it may admit more than the stock: PostgreSQL refuses
    // the excess and those requests end FAILED with compensation, which the counts include.
    expect(report.issued + report.failedWithCompensation).toBeGreaterThanOrEqual(report.accepted);
    await expectIssuanceWorks(system);
  });
});
