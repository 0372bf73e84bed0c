import type { EntityManager } from "@mikro-orm/postgresql";
import type { Admin, Kafka } from "kafkajs";
import { DASHBOARD_DEFAULTS } from "#shared/defaults.ts";
import type { IoredisClient } from "#shared/redis/ioredis-client.ts";
import { createRedisKeys } from "#shared/redis/keys.ts";

/** One coupon's drop as the dashboard shows it, each number from the place that owns it. */
export interface CouponDropStats {
  id: string;
  name: string;
  /** PostgreSQL: `coupon.total_quantity`. */
  total: number;
  /** PostgreSQL: `coupon.issued_count`, which the rows keep equal to `user_coupon`'s count. */
  issued: number;
  /** PostgreSQL: the coupon's `issue_failure` rows. */
  failed: number;
  /** PostgreSQL: the coupon's `dead_letter` rows. */
  deadLetters: number;
  /** Redis: admitted requests without an outcome yet (the coupon's `pending` set). */
  pending: number;
  /** Redis: how long the oldest of them has waited, in ms (0 when none). */
  oldestPendingMs: number;
  /** Every admitted request: decided (issued, failed) or still pending. */
  admitted: number;
  /** What admission can still hand out: total − issued − pending, as admit.lua derives it. */
  remaining: number;
  /** Redis: presses admission looked at so far (admit.lua's counter); null while not loaded. */
  presses: number | null;
}

export interface PartitionLag {
  partition: number;
  /** High watermark minus the group's committed offset (the whole partition when none). */
  records: number;
}

export interface DropSnapshot {
  /** When it was read (epoch ms). */
  at: number;
  coupons: CouponDropStats[];
  /**
   * The consumer group's lag on the issue topic, per partition; null when Kafka did not answer, or
   * runs in no deployment of this one (`kafka` false).
   */
  lag: { total: number; partitions: PartitionLag[] } | null;
  /** Whether the deployment runs Kafka (`ISSUE_PIPELINES`): without it there is no lag to read. */
  kafka: boolean;
}

export interface DropSnapshotOptions {
  em: EntityManager;
  redis: IoredisClient;
  /** Null where the KAFKA pipeline does not run: no lag to show. */
  kafka: Kafka | null;
  topic: string;
  groupId: string;
  /** Default "" (the system's own names). */
  redisKeyPrefix?: string;
  /** Coupons shown when none are named. Default `DASHBOARD_DEFAULTS.coupons`. */
  latest?: number;
}

interface CouponRow {
  id: string;
  name: string;
  total: number;
  issued: number;
  failed: number;
  dead_letters: number;
}

/**
 * Reads a drop's numbers where each is kept, in one place for the dashboard: PostgreSQL for what
 * was decided, Redis for what admission holds now, the broker's offsets for the consumer group's
 * lag. Nothing is counted twice or kept here.
 */
export function createDropSnapshots({
  em,
  redis,
  kafka,
  topic,
  groupId,
  redisKeyPrefix = "",
  latest = DASHBOARD_DEFAULTS.coupons,
}: DropSnapshotOptions) {
  const keys = createRedisKeys(redisKeyPrefix);
  let admin: Promise<Admin> | undefined;

  async function couponRows(ids: string[] | undefined): Promise<CouponRow[]> {
    const select = `SELECT c.id::text AS id, c.name, c.total_quantity AS total, c.issued_count AS issued,
        (SELECT count(*) FROM issue_failure f WHERE f.coupon_id = c.id)::int AS failed,
        (SELECT count(*) FROM dead_letter d WHERE d.coupon_id = c.id)::int AS dead_letters
      FROM coupon c`;
    const fork = em.fork();
    return ids
      ? fork.execute<CouponRow[]>(
          `${select} WHERE c.id = ANY(string_to_array(?, ',')::bigint[]) ORDER BY c.id DESC`,
          [ids.join(",")],
        )
      : fork.execute<CouponRow[]>(`${select} ORDER BY c.id DESC LIMIT ?`, [latest]);
  }

  async function lag(): Promise<DropSnapshot["lag"]> {
    if (!kafka) return null;
    try {
      admin ??= (async () => {
        const client = kafka.admin();
        await client.connect();
        return client;
      })();
      const client = await admin;
      const [ends, [committed]] = await Promise.all([
        client.fetchTopicOffsets(topic),
        client.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const offsets = new Map(
        (committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
      );
      const partitions = ends
        .map(({ partition, high, low }) => {
          const at = offsets.get(partition) ?? -1;
          // -1: the group committed nothing here yet; it will read from the start it can.
          return { partition, records: Math.max(0, Number(high) - (at < 0 ? Number(low) : at)) };
        })
        .sort((a, b) => a.partition - b.partition);
      return { total: partitions.reduce((sum, p) => sum + p.records, 0), partitions };
    } catch {
      admin = undefined;
      return null;
    }
  }

  return {
    /** The named coupons (ids of digits), or the most recently created ones. */
    async read(ids?: string[]): Promise<DropSnapshot> {
      const [rows, topicLag] = await Promise.all([couponRows(ids), lag()]);
      const at = Date.now();
      // One pipeline per coupon: its keys share a hash tag, so this holds on Redis Cluster too.
      const perCoupon = await Promise.all(
        rows.map(async (row) => {
          const coupon = keys.coupon(row.id);
          const replies = await redis
            .pipeline()
            .hget(coupon.meta, "presses")
            .exists(coupon.meta)
            .zcard(coupon.pending)
            .zrange(coupon.pending, "0", "0", "WITHSCORES")
            .exec();
          return (replies ?? []).map(([error, value]) => {
            if (error) throw error;
            return value;
          });
        }),
      );
      const coupons = rows.map((row, index): CouponDropStats => {
        const [presses, loaded, pending, oldest] = perCoupon[index] as [
          string | null,
          number,
          number,
          string[],
        ];
        const oldestAt = oldest[1] === undefined ? at : Number(oldest[1]);
        return {
          id: row.id,
          name: row.name,
          total: row.total,
          issued: row.issued,
          failed: row.failed,
          deadLetters: row.dead_letters,
          pending,
          oldestPendingMs: Math.max(0, at - oldestAt),
          admitted: row.issued + row.failed + pending,
          remaining: Math.max(0, row.total - row.issued - pending),
          presses: loaded ? Number(presses ?? 0) : null,
        };
      });
      return { at, coupons, lag: topicLag, kafka: kafka !== null };
    },
    async close(): Promise<void> {
      const client = admin;
      admin = undefined;
      await (await client?.catch(() => undefined))?.disconnect().catch(() => undefined);
    },
  };
}

export type DropSnapshots = ReturnType<typeof createDropSnapshots>;
