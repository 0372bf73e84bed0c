import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectInvariantsHold } from "../support/invariants.ts";
import { type OwnBroker, startOwnBroker } from "../support/own-broker.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { dropUnderFault, expectIssuanceWorks, FAST_RECONCILER } from "./fault-harness.ts";

describe("fault: the Kafka broker killed with SIGKILL mid-drop", () => {
  let broker: OwnBroker;
  let system: SystemUnderTest;
  beforeAll(async () => {
    broker = await startOwnBroker("fault-broker-crash");
    system = await startSystem({
      workers: 3,
      infra: { KAFKA_BROKERS: broker.brokers.join(",") },
      extraEnv: { control: FAST_RECONCILER },
    });
  });
  afterAll(async () => {
    await system?.stop();
    await broker?.stop();
  });

  it("answers retryable errors while it is down, leaves nothing pending, and everyone reconnects", async () => {
    const { report, drop } = await dropUnderFault({
      scenario: "broker kill -9",
      system,
      fault: async () => {
        await broker.kill("SIGKILL");
        await new Promise((resolve) => setTimeout(resolve, 3000));
        await broker.restart();
        return Date.now();
      },
    });
    expectInvariantsHold(report);
    // The outage really hit the drop: some presses found no broker even after retrying.
    expect(drop.unanswered).toBeGreaterThan(0);
    // A press answered with an error was withdrawn, and stays so even when its event reached the
    // broker after all: every row belongs to a request its user was told was accepted.
    expect(report.rowsNobodyWasToldOf).toBe(0);
    expect(report.issued).toBe(report.rows);
    await expectIssuanceWorks(system);
  });
});
