import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectInvariantsHold } from "../support/invariants.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { dropUnderFault, FAST_RECONCILER } from "./fault-harness.ts";

describe("fault: a consumer killed with SIGKILL mid-drop", () => {
  let system: SystemUnderTest;
  beforeAll(async () => {
    system = await startSystem({ workers: 3, extraEnv: { control: FAST_RECONCILER } });
  });
  afterAll(() => system?.stop());

  it("loses no row and doubles none; the restarted worker rejoins", async () => {
    const victim = system.process("worker-2");
    const { report } = await dropUnderFault({
      scenario: "consumer kill -9",
      system,
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
  });
});
