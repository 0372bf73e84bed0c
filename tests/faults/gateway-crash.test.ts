import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectInvariantsHold } from "../support/invariants.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { waitUntil } from "../support/wait.ts";
import { dropUnderFault, FAST_RECONCILER, PIPELINES } from "./fault-harness.ts";

describe("fault: the gateway killed between admission and produce", () => {
  let system: SystemUnderTest;
  beforeAll(async () => {
    system = await startSystem({
      gatewayRuntime: "node",
      extraEnv: { gateway: { FAULT_INJECTION: "1" }, control: FAST_RECONCILER },
    });
  });
  afterAll(() => system?.stop());

  // KAFKA: the reconciler produces the orphaned admission again. REDIS_STREAM: there is no orphan
  // (the admission appended the request to the stream in the same step), nothing to re-enqueue.
  it.each(PIPELINES)("on %s, the admission the crash interrupted is issued", async (pipeline) => {
    const gateway = system.process("gateway");
    const linesBefore = system.lines.length;
    const { report } = await dropUnderFault({
      scenario: `gateway crash after admission (${pipeline})`,
      system,
      pipeline,
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
    const lines = system.lines.slice(linesBefore);
    const reproduced = lines.filter((line) => /\[control\].*re-?produc/i.test(line));
    const reenqueued = lines.filter((line) => /\[control\].*re-enqueued/i.test(line));
    if (pipeline === "KAFKA") expect(reproduced.length).toBeGreaterThan(0);
    else expect({ reproduced, reenqueued }).toEqual({ reproduced: [], reenqueued: [] });
  });
});
