import type { Redis } from "ioredis";
import type { IoredisClient } from "#shared/redis/ioredis-client.ts";
import { toRedisError } from "#shared/redis/ioredis-script-transport.ts";

/** One entry of a Redis Stream, as a consumer group delivered it. */
export interface StreamEntry {
  stream: string;
  id: string;
  /** The entry's fields; empty for an entry deleted while it was pending. */
  fields: Record<string, string>;
}

type RawEntry = [string, string[] | null];

function entryOf(stream: string, [id, flat]: RawEntry): StreamEntry {
  const fields: Record<string, string> = {};
  for (let i = 0; flat && i + 1 < flat.length; i += 2)
    fields[flat[i] as string] = flat[i + 1] as string;
  return { stream, id, fields };
}

/** The entry id's time part (ms): a number to show where an entry was, like a Kafka offset. */
export function entryTimeMs(id: string): string {
  return id.split("-")[0] ?? "0";
}

/**
 * A consumer group on Redis Streams, for one consumer: the calls the stream workers and the DLT
 * monitor make, with Redis's failures as the project's errors (toRedisError: a reply Redis gave is
 * permanent, Redis away is retriable). `redis` should be a connection of its own: XREADGROUP blocks.
 */
export function createStreamGroup(redis: IoredisClient, group: string, consumer: string) {
  async function readOnce(
    streams: string[],
    count: number,
    blockMs: number | null,
  ): Promise<StreamEntry[]> {
    // One Redis and a cluster take the same arguments; the union of their overloads does not type.
    const client = redis as Redis;
    const reply = (await (blockMs === null
      ? client.xreadgroup(
          "GROUP",
          group,
          consumer,
          "COUNT",
          count,
          "STREAMS",
          ...streams,
          ...streams.map(() => ">"),
        )
      : client.xreadgroup(
          "GROUP",
          group,
          consumer,
          "COUNT",
          count,
          "BLOCK",
          blockMs,
          "STREAMS",
          ...streams,
          ...streams.map(() => ">"),
        )
    ).catch((error: unknown) => Promise.reject(toRedisError(error)))) as Array<
      [string, RawEntry[]]
    > | null;
    return (reply ?? []).flatMap(([stream, entries]) => entries.map((e) => entryOf(stream, e)));
  }

  return {
    /**
     * Creates the group on `stream` (and the stream) from its first entry, so what was appended
     * before any worker looked is read too; a group that exists is kept as it is.
     */
    async ensure(stream: string): Promise<void> {
      try {
        await redis.xgroup("CREATE", stream, group, "0", "MKSTREAM");
      } catch (error) {
        if (error instanceof Error && /BUSYGROUP/.test(error.message)) return;
        throw toRedisError(error);
      }
    },

    /**
     * New entries of `streams` for this consumer, up to `count` per stream, waiting up to `blockMs`
     * for the first. On one Redis, one blocking call over all of them; on a Redis Cluster, whose
     * calls may not span slots (every coupon's stream has its own), one call per stream without
     * blocking, and a pause of at most `blockMs` when none had anything.
     */
    async read(streams: string[], count: number, blockMs: number): Promise<StreamEntry[]> {
      if (streams.length === 0) return [];
      if (!redis.isCluster) return readOnce(streams, count, blockMs);
      const entries: StreamEntry[] = [];
      for (const stream of streams) entries.push(...(await readOnce([stream], count, null)));
      if (entries.length === 0)
        await new Promise((resolve) => setTimeout(resolve, Math.min(blockMs, 100)));
      return entries;
    },

    /** This consumer's own entries delivered before and not acknowledged (after a restart). */
    async readOwnPending(stream: string, count: number): Promise<StreamEntry[]> {
      const reply = (await redis
        .xreadgroup("GROUP", group, consumer, "COUNT", count, "STREAMS", stream, "0")
        .catch((error: unknown) => Promise.reject(toRedisError(error)))) as Array<
        [string, RawEntry[]]
      > | null;
      return (reply ?? []).flatMap(([name, entries]) => entries.map((e) => entryOf(name, e)));
    },

    /**
     * Takes over entries of `stream` another consumer was delivered and has not acknowledged for
     * `minIdleMs` (it died): XAUTOCLAIM from the start, up to `count`. Entries deleted meanwhile
     * leave the pending list without being returned.
     */
    async reclaim(stream: string, minIdleMs: number, count: number): Promise<StreamEntry[]> {
      const reply = (await redis
        .xautoclaim(stream, group, consumer, minIdleMs, "0-0", "COUNT", count)
        .catch((error: unknown) => Promise.reject(toRedisError(error)))) as [
        string,
        RawEntry[],
        string[]?,
      ];
      return reply[1].map((e) => entryOf(stream, e));
    },

    /**
     * Resets the idle time of entries this consumer holds, so nobody takes them over while it is
     * still working on them (a long retry): what a Kafka consumer's heartbeat is to its partition.
     */
    async keepHeld(stream: string, ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      await redis
        .call("XCLAIM", stream, group, consumer, 0, ...ids, "JUSTID")
        .catch((error: unknown) => Promise.reject(toRedisError(error)));
    },
  };
}

export type StreamGroup = ReturnType<typeof createStreamGroup>;
