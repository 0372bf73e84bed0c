import type { MikroORM } from "@mikro-orm/postgresql";
import { describe, expect, it } from "vitest";
import { DEAD_LETTER_PAYLOAD_PREVIEW_CHARS } from "#shared/internal-api/contract.ts";
import { DeadLetter } from "../db/entities/dead-letter.ts";
import { useMigratedDatabase } from "../db/test-support/migrated-database.ts";
import { newDeadLetterKey } from "./dead-letter-key.ts";
import {
  createDeadLetterRepository,
  type DeadLetterRepository,
  type NewDeadLetter,
} from "./dead-letter-repository.ts";

let orm: MikroORM;
let repository: DeadLetterRepository;
useMigratedDatabase((fixture) => {
  orm = fixture.orm;
  repository = createDeadLetterRepository(orm.em);
});

let nextOffset = 0;
/** A new dead letter as the DLT monitor reads it, at a fresh offset of the DLT unless told otherwise. */
function letter(overrides: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return {
    letterKey: newDeadLetterKey(),
    topic: "coupon-issue-requests.DLT",
    partition: 1,
    offset: String(nextOffset++),
    recordKey: "coupon:7",
    payload: '{"oops',
    headers: { "x-error-class": "InvalidJson" },
    errorClass: "InvalidJson",
    errorMessage: "Unexpected end of JSON input",
    attempts: 1,
    firstFailedAt: new Date("2026-11-25T05:00:00.000Z"),
    lastFailedAt: new Date("2026-11-25T05:00:01.500Z"),
    couponId: null,
    ...overrides,
  };
}

describe("the dead-letter repository", () => {
  it("records a dead letter once: its record redelivered is not inserted and names the first row", async () => {
    const entry = letter({ couponId: "7" });
    const first = await repository.record(entry);
    expect(first).toEqual({ id: expect.stringMatching(/^\d+$/), inserted: true });
    expect(await repository.record({ ...entry })).toEqual({ id: first.id, inserted: false });
    expect(await repository.get(first.id)).toEqual({
      id: first.id,
      topic: entry.topic,
      partition: entry.partition,
      offset: entry.offset,
      recordKey: "coupon:7",
      payload: '{"oops',
      payloadLength: 6,
      payloadTruncated: false,
      headers: { "x-error-class": "InvalidJson" },
      errorClass: "InvalidJson",
      errorMessage: "Unexpected end of JSON input",
      attempts: 1,
      couponId: "7",
      recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      replayedAt: null,
      replayCount: 0,
    });
    // The failure times are kept too, though the internal API does not show them.
    expect(
      await orm.em.fork().findOneOrFail(DeadLetter, { id: first.id }, { refresh: true }),
    ).toMatchObject({ firstFailedAt: entry.firstFailedAt, lastFailedAt: entry.lastFailedAt });
  });

  it("lists each payload's first characters, and gives it whole by id", async () => {
    const couponId = String(900_000 + Math.floor(Math.random() * 99_999));
    const big = "p".repeat(DEAD_LETTER_PAYLOAD_PREVIEW_CHARS + 500);
    const { id } = await repository.record(letter({ couponId, payload: big }));
    const [listed] = await repository.list({ couponId });
    expect(listed).toMatchObject({
      id,
      payload: big.slice(0, DEAD_LETTER_PAYLOAD_PREVIEW_CHARS),
      payloadLength: big.length,
      payloadTruncated: true,
    });
    expect(await repository.get(id)).toMatchObject({
      payload: big,
      payloadLength: big.length,
      payloadTruncated: false,
    });
  });

  it("records a different dead letter at the same topic, partition and offset (a recreated topic)", async () => {
    const before = letter({ payload: "from the old topic" });
    const after = letter({ offset: before.offset, payload: "from the new topic" });
    const first = await repository.record(before);
    const second = await repository.record(after);
    expect(first.inserted && second.inserted).toBe(true);
    expect(second.id).not.toBe(first.id);
    expect((await repository.get(second.id))?.payload).toBe("from the new topic");
    // And each is still recorded only once.
    expect(await repository.record(after)).toEqual({ id: second.id, inserted: false });
    expect(await repository.record(before)).toEqual({ id: first.id, inserted: false });
  });

  it("lists oldest first, by coupon and not yet replayed, and counts them all", async () => {
    const couponId = "424242";
    const before = await repository.count();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await repository.record(letter({ couponId }))).id);
    await repository.record(letter({ couponId: "525252" }));
    expect(await repository.count()).toBe(before + 4);
    expect((await repository.list({ couponId })).map((l) => l.id)).toEqual(ids);
    expect((await repository.list({ couponId, limit: 2 })).map((l) => l.id)).toEqual(
      ids.slice(0, 2),
    );
    await repository.markReplayed(ids[1] as string);
    expect((await repository.list({ couponId, onlyNotReplayed: true })).map((l) => l.id)).toEqual([
      ids[0],
      ids[2],
    ]);
  });

  it("counts every replay, concurrent ones too, and when the last was", async () => {
    const { id } = await repository.record(letter());
    await Promise.all([repository.markReplayed(id), repository.markReplayed(id)]);
    const replayed = await repository.get(id);
    expect(replayed?.replayCount).toBe(2);
    expect(Date.parse(replayed?.replayedAt ?? "")).toBeGreaterThan(0);
    expect(await repository.get("987654321")).toBeNull();
  });
});
