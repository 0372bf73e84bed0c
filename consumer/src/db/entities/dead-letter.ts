import { defineEntity, p } from "@mikro-orm/postgresql";

/**
 * A record the DLT monitor took from `coupon-issue-requests.DLT`, once per `letterKey` (see
 * consumer/src/dead-letter/dead-letter-key.ts): (topic, partition, offset) say where it was read,
 * and repeat when a topic is created again.
 */
export const DeadLetterSchema = defineEntity({
  name: "DeadLetter",
  tableName: "dead_letter",
  properties: {
    id: p.bigint("string").primary().autoincrement(),
    topic: p.text(),
    partition: p.integer(),
    offset: p.bigint("string"),
    letterKey: p.text().unique(),
    recordKey: p.text().nullable(),
    payload: p.text().nullable(),
    headers: p.json<Record<string, string>>().columnType("jsonb"),
    errorClass: p.text(),
    errorMessage: p.text(),
    attempts: p.integer(),
    firstFailedAt: p.datetime().nullable(),
    lastFailedAt: p.datetime().nullable(),
    recordedAt: p.datetime().defaultRaw("now()"),
    /** Parsed from the payload when it was readable. */
    couponId: p.bigint("string").nullable(),
    /** What was wrong with a DLT record no worker wrote as it stands; null for a worker's. */
    malformed: p.text().nullable(),
    replayedAt: p.datetime().nullable(),
    replayCount: p.integer().default(0),
  },
});

export class DeadLetter extends DeadLetterSchema.class {}
DeadLetterSchema.setClass(DeadLetter);
