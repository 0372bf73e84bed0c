import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectInvariantsHold } from "../support/invariants.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { dropUnderFault, FAST_RECONCILER, FAST_STREAM_CLAIM, PIPELINES } from "./fault-harness.ts";

describe("fault: a consumer killed with SIGKILL mid-drop", () => {
  let system: SystemUnderTest;
  beforeAll(async () => {
    system = await startSystem({
      workers: 3,
      extraEnv: { control: FAST_RECONCILER, "stream-worker": FAST_STREAM_CLAIM },
    });
  });
  afterAll(() => system?.stop());

  // KAFKA: an issue worker dies; its partitions move to the others. REDIS_STREAM: a stream worker
  // dies holding entries; they are resumed by it once restarted, or taken over by the other.
  it.each(PIPELINES)(
    "on %s, loses no row and doubles none; the restarted worker rejoins",
    async (pipeline) => {
      const victim = system.process(pipeline === "KAFKA" ? "worker-2" : "stream-worker-2");
      const { report } = await dropUnderFault({
        scenario: `consumer kill -9 (${pipeline})`,
        system,
        pipeline,
        fault: async () => {
          await victim.signal("SIGKILL");
          await new Promise((resolve) => setTimeout(resolve, 2000));
          await victim.restart();
          return Date.now();
        },
      });
      expectInvariantsHold(report);
      // Nothing in this fault is a reason to fail a request: every accepted one is issued.
      expect(report.failedWithCompensation).toBe(0);
      expect(report.issued).toBe(report.accepted);
      expect(report.rows).toBe(150);
      expect(victim.running).toBe(true);
    },
  );
});
