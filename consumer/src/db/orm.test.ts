import type { MikroORM } from "@mikro-orm/postgresql";
import { describe, expect, it } from "vitest";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { Coupon } from "./entities/coupon.ts";
import { DeadLetter } from "./entities/dead-letter.ts";
import { IssueFailure } from "./entities/issue-failure.ts";
import { UserCoupon } from "./entities/user-coupon.ts";
import { persistIssueBatch } from "./persist-issue-batch.ts";
import { insertCoupon, issueEvent } from "./test-support/issue-events.ts";
import { useMigratedDatabase } from "./test-support/migrated-database.ts";
import type { TemporaryDatabase } from "./test-support/temporary-database.ts";

let database: TemporaryDatabase;
let orm: MikroORM;
useMigratedDatabase((fixture) => ({ database, orm } = fixture));

describe("the entities", () => {
  it("map the migrated tables, with bigint ids as strings", async () => {
    const couponId = await insertCoupon(orm.em, 2);
    const [issued, refused] = [issueEvent(couponId, "42"), issueEvent(couponId, "42")];
    await persistIssueBatch(orm, [issued, refused]);
    const em = orm.em.fork();
    expect(await em.findOneOrFail(UserCoupon, { requestId: issued.requestId })).toMatchObject({
      id: expect.any(String),
      userId: "42",
      couponId,
      source: "API",
      requestedAt: new Date(issued.requestedAt),
      issuedAt: expect.any(Date),
    });
    expect(await em.findOneOrFail(IssueFailure, { requestId: refused.requestId })).toMatchObject({
      reason: "ALREADY_ISSUED_TO_USER",
      existingRequestId: issued.requestId,
    });
    expect(await em.findOneOrFail(Coupon, { id: couponId })).toMatchObject({ issuedCount: 1 });
  });

  it("write and read a dead letter, headers as JSON", async () => {
    const em = orm.em.fork();
    const letterKey = uuidV7();
    const letter = em.create(DeadLetter, {
      letterKey,
      topic: "coupon-issue-requests",
      partition: 2,
      offset: "9007199254740993",
      recordKey: "coupon:7",
      payload: "{oops",
      headers: { "x-error-class": "InvalidJson" },
      errorClass: "InvalidJson",
      errorMessage: "Unexpected token",
      attempts: 1,
      couponId: null,
    });
    await em.flush();
    const read = await orm.em.fork().findOneOrFail(DeadLetter, { id: letter.id });
    expect(read).toMatchObject({
      letterKey,
      offset: "9007199254740993",
      headers: { "x-error-class": "InvalidJson" },
      replayCount: 0,
      replayedAt: null,
      recordedAt: expect.any(Date),
    });
  });

  it("there is no global context: work goes through a fork", async () => {
    await expect(orm.em.findOne(Coupon, { id: "1" })).rejects.toThrow(/global/i);
  });
});
