import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectInvariantsHold } from "../support/invariants.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { waitUntil } from "../support/wait.ts";
import { dropUnderFault, FAST_RECONCILER } from "./fault-harness.ts";

describe("fault: the gateway killed between admission and produce", () => {
  let system: SystemUnderTest;
  beforeAll(async () => {
    system = await startSystem({
      gatewayRuntime: "node",
      extraEnv: { gateway: { FAULT_INJECTION: "1" }, control: FAST_RECONCILER },
    });
  });
  afterAll(() => system?.stop());

  it("the reconciler produces the orphaned admission again, and it is issued", async () => {
    const gateway = system.process("gateway");
    const { report } = await dropUnderFault({
      scenario: "gateway crash after admission",
      system,
      // Early, so that admissions are certainly still coming when the crash is armed.
      strikeAt: 0.1,
      fault: async () => {
        await gateway.signal("SIGUSR2"); // arms the crash at the next admission
        await waitUntil(() => !gateway.running, { what: "the gateway to crash", intervalMs: 20 });
        await gateway.restart();
        return Date.now();
      },
    });
    expectInvariantsHold(report);
    expect(report.failedWithCompensation).toBe(0);
    expect(report.rows).toBe(150);
    const reproduced = system.lines.filter((line) => /\[control\].*re-?produc/i.test(line));
    expect(reproduced.length).toBeGreaterThan(0);
  });
});
