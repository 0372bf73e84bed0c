import { type EntityManager, raw } from "@mikro-orm/postgresql";
import {
  DEAD_LETTER_PAGE,
  DEAD_LETTER_PAYLOAD_PREVIEW_CHARS,
} from "#shared/internal-api/contract.ts";
import { DeadLetter } from "../db/entities/dead-letter.ts";

/** What the DLT monitor read from one record of the dead-letter topic. */
export interface NewDeadLetter {
  /** Its identity (dead-letter-key.ts); topic, partition and offset only say where it was read. */
  letterKey: string;
  topic: string;
  partition: number;
  offset: string;
  recordKey: string | null;
  payload: string | null;
  headers: Record<string, string>;
  errorClass: string;
  errorMessage: string;
  attempts: number;
  firstFailedAt: Date | null;
  lastFailedAt: Date | null;
  couponId: string | null;
  /**
   * Set when the record's headers are not what a worker writes (read-dlt-record.ts): what was wrong.
   * Absent for a worker's record.
   */
  malformed?: string;
}

/** A dead letter as the internal API sends it: the entity, times as ISO-8601. */
export interface DeadLetterRow
  extends Omit<NewDeadLetter, "letterKey" | "firstFailedAt" | "lastFailedAt" | "malformed"> {
  id: string;
  recordedAt: string;
  replayedAt: string | null;
  replayCount: number;
  payloadLength: number;
  payloadTruncated: boolean;
}

/** The row as the API sends it: the whole payload, or (in a listing) its first characters. */
function toRow(letter: DeadLetter, payloadChars = Number.POSITIVE_INFINITY): DeadLetterRow {
  const payload = letter.payload ?? null;
  const payloadTruncated = payload !== null && payload.length > payloadChars;
  return {
    id: letter.id,
    topic: letter.topic,
    partition: letter.partition,
    offset: letter.offset,
    recordKey: letter.recordKey ?? null,
    payload: payloadTruncated ? payload.slice(0, payloadChars) : payload,
    payloadLength: payload?.length ?? 0,
    payloadTruncated,
    headers: letter.headers,
    errorClass: letter.errorClass,
    errorMessage: letter.errorMessage,
    attempts: letter.attempts,
    couponId: letter.couponId ?? null,
    recordedAt: letter.recordedAt.toISOString(),
    replayedAt: letter.replayedAt?.toISOString() ?? null,
    replayCount: letter.replayCount,
  };
}

/**
 * The `dead_letter` table: what the DLT monitor saw, and what has been replayed. Every call runs on
 * a fresh fork of `em` (the control process holds one long-lived instance), so nothing read here is
 * served later from a stale identity map.
 */
export function createDeadLetterRepository(em: EntityManager) {
  return {
    /**
     * Once per `letterKey`: `inserted` is false for a dead letter recorded before (a redelivery of
     * its DLT record), and true for every other, wherever in a topic it was read.
     */
    async record(entry: NewDeadLetter): Promise<{ id: string; inserted: boolean }> {
      const fork = em.fork();
      const result = await fork
        .createQueryBuilder(DeadLetter)
        .insert(entry)
        .onConflict(["letterKey"])
        .ignore()
        .execute("run");
      const id = result.row?.id;
      if (result.affectedRows === 1 && id !== undefined) return { id: String(id), inserted: true };
      const existing = await fork.findOneOrFail(
        DeadLetter,
        { letterKey: entry.letterKey },
        { fields: ["id"] },
      );
      return { id: existing.id, inserted: false };
    },

    /** Oldest first, each payload cut to DEAD_LETTER_PAYLOAD_PREVIEW_CHARS (`get` has it whole). */
    async list(
      filter: { couponId?: string; onlyNotReplayed?: boolean; limit?: number } = {},
    ): Promise<DeadLetterRow[]> {
      const letters = await em.fork().find(
        DeadLetter,
        {
          ...(filter.couponId === undefined ? {} : { couponId: filter.couponId }),
          ...(filter.onlyNotReplayed ? { replayedAt: null } : {}),
        },
        { orderBy: { id: "asc" }, limit: filter.limit ?? DEAD_LETTER_PAGE.default },
      );
      return letters.map((letter) => toRow(letter, DEAD_LETTER_PAYLOAD_PREVIEW_CHARS));
    },

    async get(id: string): Promise<DeadLetterRow | null> {
      const letter = await em.fork().findOne(DeadLetter, { id });
      return letter ? toRow(letter) : null;
    },

    count(): Promise<number> {
      return em.fork().count(DeadLetter);
    },

    /** One statement, so that concurrent replays of one dead letter each count. */
    async markReplayed(id: string): Promise<void> {
      await em
        .fork()
        .nativeUpdate(
          DeadLetter,
          { id },
          { replayedAt: raw("now()"), replayCount: raw("replay_count + 1") },
        );
    },
  };
}

export type DeadLetterRepository = ReturnType<typeof createDeadLetterRepository>;
