import type { SqlExecutor } from "../db/database.ts";

export interface NewDeadLetter {
  topic: string;
  partition: number;
  offset: string;
  recordKey: string | null;
  payload: string | null;
  headers: Record<string, string>;
  errorClass: string;
  errorMessage: string;
  attempts: number;
  firstFailedAt: string | null;
  lastFailedAt: string | null;
  couponId: string | null;
}

export interface DeadLetterRow extends Omit<NewDeadLetter, "firstFailedAt" | "lastFailedAt"> {
  id: string;
  recordedAt: string;
  replayedAt: string | null;
  replayCount: number;
}

const COLUMNS = `id::text, topic, partition, "offset"::text AS offset, record_key, payload, headers, error_class, error_message,
  attempts, coupon_id::text, recorded_at, replayed_at, replay_count`;

function toRow(r: Record<string, unknown>): DeadLetterRow {
  const date = (v: unknown) =>
    v === null || v === undefined ? null : new Date(v as string).toISOString();
  return {
    id: String(r.id),
    topic: String(r.topic),
    partition: Number(r.partition),
    offset: String(r.offset),
    recordKey: (r.record_key as string | null) ?? null,
    payload: (r.payload as string | null) ?? null,
    headers: (typeof r.headers === "string" ? JSON.parse(r.headers) : r.headers) as Record<
      string,
      string
    >,
    errorClass: String(r.error_class),
    errorMessage: String(r.error_message),
    attempts: Number(r.attempts),
    couponId: (r.coupon_id as string | null) ?? null,
    recordedAt: date(r.recorded_at) ?? "",
    replayedAt: date(r.replayed_at),
    replayCount: Number(r.replay_count),
  };
}

/** The `dead_letter` table: what the DLT monitor saw, and what has been replayed. */
export function createDeadLetterRepository(sql: SqlExecutor) {
  return {
    /** Idempotent by the DLT record's coordinates; `inserted` is false for a redelivery. */
    async record(entry: NewDeadLetter): Promise<{ id: string; inserted: boolean }> {
      const inserted = await sql(
        `INSERT INTO dead_letter (topic, partition, "offset", record_key, payload, headers, error_class, error_message,
           attempts, first_failed_at, last_failed_at, coupon_id)
         VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (topic, partition, "offset") DO NOTHING RETURNING id::text`,
        [
          entry.topic,
          entry.partition,
          entry.offset,
          entry.recordKey,
          entry.payload,
          JSON.stringify(entry.headers),
          entry.errorClass,
          entry.errorMessage,
          entry.attempts,
          entry.firstFailedAt,
          entry.lastFailedAt,
          entry.couponId,
        ],
      );
      if (inserted[0]) return { id: String(inserted[0].id), inserted: true };
      const existing = await sql(
        `SELECT id::text FROM dead_letter WHERE topic = ? AND partition = ? AND "offset" = ?`,
        [entry.topic, entry.partition, entry.offset],
      );
      return { id: String(existing[0]?.id), inserted: false };
    },

    async list(
      filter: { couponId?: string; onlyNotReplayed?: boolean; limit?: number } = {},
    ): Promise<DeadLetterRow[]> {
      const rows = await sql(
        `SELECT ${COLUMNS} FROM dead_letter
         WHERE (?::bigint IS NULL OR coupon_id = ?::bigint) AND (NOT ?::boolean OR replayed_at IS NULL)
         ORDER BY id LIMIT ?`,
        [
          filter.couponId ?? null,
          filter.couponId ?? null,
          filter.onlyNotReplayed ?? false,
          filter.limit ?? 100,
        ],
      );
      return rows.map(toRow);
    },

    async get(id: string): Promise<DeadLetterRow | null> {
      const rows = await sql(`SELECT ${COLUMNS} FROM dead_letter WHERE id = ?::bigint`, [id]);
      return rows[0] ? toRow(rows[0]) : null;
    },

    async count(): Promise<number> {
      const rows = await sql(`SELECT count(*)::int AS n FROM dead_letter`, []);
      return Number(rows[0]?.n ?? 0);
    },

    async markReplayed(id: string): Promise<void> {
      await sql(
        `UPDATE dead_letter SET replayed_at = now(), replay_count = replay_count + 1 WHERE id = ?::bigint`,
        [id],
      );
    },
  };
}

export type DeadLetterRepository = ReturnType<typeof createDeadLetterRepository>;
