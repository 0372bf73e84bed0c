import type { MikroORM } from "@mikro-orm/postgresql";
import { describe, expect, it } from "vitest";
import { createCoupon } from "./create-coupon.ts";
import { findCoupon } from "./find-coupon.ts";
import { persistIssueBatch } from "./persist-issue-batch.ts";
import { issueEvent } from "./test-support/issue-events.ts";
import { useMigratedDatabase } from "./test-support/migrated-database.ts";
import type { TemporaryDatabase } from "./test-support/temporary-database.ts";

let database: TemporaryDatabase;
let orm: MikroORM;
useMigratedDatabase((fixture) => ({ database, orm } = fixture));

describe("createCoupon", () => {
  it("inserts a coupon with PostgreSQL's id and clock, and findCoupon reads it back", async () => {
    const startsAt = new Date("2026-12-01T12:00:00Z");
    const created = await createCoupon(orm.em.fork(), {
      name: "  Winter drop  ",
      totalQuantity: 300,
      startsAt,
      endsAt: "2026-12-01T13:00:00+00:00",
    });
    if (!created.ok) throw new Error(JSON.stringify(created.issues));
    expect(created.coupon).toMatchObject({
      id: expect.stringMatching(/^[1-9][0-9]*$/),
      name: "Winter drop",
      totalQuantity: 300,
      issuedCount: 0,
      startsAt,
      endsAt: new Date("2026-12-01T13:00:00Z"),
      createdAt: expect.any(Date),
    });
    const found = await findCoupon(orm.em.fork(), created.coupon.id);
    expect(found).toMatchObject({
      id: created.coupon.id,
      name: "Winter drop",
      startsAt,
      issuedCount: 0,
    });
  });

  it.each([
    ["an empty name", { name: " ", totalQuantity: 1 }, "name"],
    ["a name over 200 characters", { name: "x".repeat(201), totalQuantity: 1 }, "name"],
    ["no stock", { name: "x", totalQuantity: 0 }, "totalQuantity"],
    ["more than 10,000,000", { name: "x", totalQuantity: 10_000_001 }, "totalQuantity"],
    ["a fractional quantity", { name: "x", totalQuantity: 1.5 }, "totalQuantity"],
    [
      "an end before the start",
      { name: "x", totalQuantity: 1, startsAt: new Date(2000), endsAt: new Date(1000) },
      "endsAt",
    ],
    [
      "an invalid date",
      { name: "x", totalQuantity: 1, startsAt: new Date(Number.NaN) },
      "startsAt",
    ],
  ])("refuses %s as a typed result, writing nothing", async (_what, input, field) => {
    const em = orm.em.fork();
    const [before] = await em.execute<Array<{ n: number }>>(
      "SELECT count(*)::int AS n FROM coupon",
    );
    const result = await createCoupon(em, input);
    expect(result).toMatchObject({
      ok: false,
      error: "invalid-coupon",
      issues: [expect.objectContaining({ field })],
    });
    expect(await em.execute("SELECT count(*)::int AS n FROM coupon")).toEqual([before]);
  });
});

describe("findCoupon", () => {
  it("is null for an unknown id and for what is not an id", async () => {
    expect(await findCoupon(orm.em.fork(), "987654321012")).toBeNull();
    expect(await findCoupon(orm.em.fork(), "abc")).toBeNull();
    expect(await findCoupon(orm.em.fork(), "99999999999999999999")).toBeNull();
  });

  it("reads the current issued count even through a fork that loaded the coupon before", async () => {
    const em = orm.em.fork();
    const created = await createCoupon(em, { name: "counted", totalQuantity: 5 });
    if (!created.ok) throw new Error("not created");
    await persistIssueBatch(orm, [
      issueEvent(created.coupon.id, "1"),
      issueEvent(created.coupon.id, "2"),
    ]);
    expect((await findCoupon(em, created.coupon.id))?.issuedCount).toBe(2);
  });
});
