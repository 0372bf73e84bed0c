import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGraphqlClient } from "../support/graphql-client.ts";
import { expectInvariantsHold, settleAndCheck } from "../support/invariants.ts";
import { issuanceSnapshot } from "../support/issuance-snapshot.ts";
import { replayWholeTopic } from "../support/replay-topic.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { dropUnderFault, FAST_RECONCILER } from "./fault-harness.ts";

describe("fault: the whole topic replayed from offset 0", () => {
  let system: SystemUnderTest;
  let db: pg.Pool;
  beforeAll(async () => {
    system = await startSystem({ extraEnv: { control: FAST_RECONCILER } });
    db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 2 });
  });
  afterAll(async () => {
    await db?.end();
    await system?.stop();
  });

  it("changes nothing: no row, no count, no status", async () => {
    const { report, drop, couponId } = await dropUnderFault({
      scenario: "before the replay",
      system,
      fault: async () => Date.now(),
    });
    expectInvariantsHold(report);
    const before = await issuanceSnapshot(db);

    const replayStartedAt = Date.now();
    await replayWholeTopic(system);
    const after = await settleAndCheck({
      scenario: "whole topic replayed from offset 0",
      gql: createGraphqlClient(system.graphqlUrl),
      db,
      redisUrl: system.env.REDIS_URL,
      couponId,
      drop,
      recoveryStartedAt: replayStartedAt,
    });
    expectInvariantsHold(after);
    expect(await issuanceSnapshot(db)).toEqual(before);
    expect({ ...after, scenario: "", recoverMs: 0 }).toEqual({
      ...report,
      scenario: "",
      recoverMs: 0,
    });
  });
});
