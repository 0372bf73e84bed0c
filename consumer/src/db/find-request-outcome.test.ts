import type { MikroORM } from "@mikro-orm/postgresql";
import { describe, expect, it } from "vitest";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { findRequestOutcome } from "./find-request-outcome.ts";
import { persistIssueBatch } from "./persist-issue-batch.ts";
import { insertCoupon, issueEvent } from "./test-support/issue-events.ts";
import { useMigratedDatabase } from "./test-support/migrated-database.ts";
import type { TemporaryDatabase } from "./test-support/temporary-database.ts";

let database: TemporaryDatabase;
let orm: MikroORM;
useMigratedDatabase((fixture) => ({ database, orm } = fixture));

describe("findRequestOutcome", () => {
  it("answers ISSUED and FAILED from PostgreSQL alone", async () => {
    const id = await insertCoupon(orm.em, 1);
    const winner = issueEvent(id, "1");
    const again = issueEvent(id, "1");
    const late = issueEvent(id, "2");
    await persistIssueBatch(orm, [winner, again, late]);

    expect(await findRequestOutcome(orm.em.fork(), winner.requestId)).toEqual({
      status: "ISSUED",
      requestId: winner.requestId,
      userId: "1",
      couponId: id,
      requestedAt: new Date(winner.requestedAt),
      issuedAt: expect.any(Date),
      couponIssuedCount: 1,
    });
    expect(await findRequestOutcome(orm.em.fork(), again.requestId)).toMatchObject({
      status: "FAILED",
      reason: "ALREADY_ISSUED_TO_USER",
      existingRequestId: winner.requestId,
      userId: "1",
      couponId: id,
      failedAt: expect.any(Date),
    });
    expect(await findRequestOutcome(orm.em.fork(), late.requestId)).toMatchObject({
      status: "FAILED",
      reason: "SOLD_OUT",
      existingRequestId: null,
      couponIssuedCount: 1,
    });
  });

  it("is null for a request PostgreSQL has no outcome for, and for what is not a request id", async () => {
    expect(await findRequestOutcome(orm.em.fork(), uuidV7())).toBeNull();
    expect(await findRequestOutcome(orm.em.fork(), "not-a-uuid")).toBeNull();
  });
});
