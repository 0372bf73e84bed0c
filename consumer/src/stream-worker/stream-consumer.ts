import { CONSUMER_DEFAULTS, STREAM_DEFAULTS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { issueEventKey } from "#shared/issue-event.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";
import type { AdmissionStore } from "#shared/redis/admission-store.ts";
import type { IoredisClient } from "#shared/redis/ioredis-client.ts";
import { DLT_HEADERS } from "../dead-letter/dead-letter-headers.ts";
import type { IssueBatchProcessor } from "../issue-worker/issue-batch-processor.ts";
import { createChunkRunner } from "../issue-worker/process-with-retries.ts";
import { backoffMs, RETRY_DEFAULTS, waitWhileAlive } from "../issue-worker/retry-policy.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import type { StreamWorkerMetrics } from "../monitoring/metrics.ts";
import { createStreamGroup, entryTimeMs, type StreamEntry } from "../redis/stream-group.ts";

export interface StreamConsumerOptions {
  /** A connection of its own: XREADGROUP blocks it. */
  redis: IoredisClient;
  store: AdmissionStore;
  processor: IssueBatchProcessor;
  metrics: StreamWorkerMetrics;
  /** This worker's name in the group: stable across its restarts, so it resumes its own entries. */
  consumerName: string;
  /** Default `STREAM_DEFAULTS.group`. */
  group?: string;
  /** Entries persisted per transaction, per coupon. Default `CONSUMER_DEFAULTS.persistChunkSize`. */
  chunkSize?: number;
  /** Default `STREAM_DEFAULTS.claimIdleMs`. */
  claimIdleMs?: number;
  /** Default `STREAM_DEFAULTS.blockMs`. */
  blockMs?: number;
  /** Default `STREAM_DEFAULTS.discoverIntervalMs`. */
  discoverIntervalMs?: number;
  logger?: Logger;
}

/**
 * A member of the stream workers' consumer group: reads the streams of the REDIS_STREAM coupons
 * (XREADGROUP), and puts each coupon's chunk through the issue workers' own processing (signature
 * aside: see docs/architecture.md) and retry policy (process-with-retries.ts): claimed in Redis,
 * persisted in one PostgreSQL transaction, settled in Redis. Only then is it acknowledged (XACK and
 * XDEL in one step, acknowledge.lua): a worker that dies holding entries leaves them pending, and
 * another takes them over once they were idle `claimIdleMs` (XAUTOCLAIM); the same worker started
 * again resumes them at once. Permanent failures go to the dead-letter stream after their attempts.
 */
export function createStreamConsumer({
  redis,
  store,
  processor,
  metrics,
  consumerName,
  group = STREAM_DEFAULTS.group,
  chunkSize = CONSUMER_DEFAULTS.persistChunkSize,
  claimIdleMs = STREAM_DEFAULTS.claimIdleMs,
  blockMs = STREAM_DEFAULTS.blockMs,
  discoverIntervalMs = STREAM_DEFAULTS.discoverIntervalMs,
  logger = silentLogger(),
}: StreamConsumerOptions) {
  const streams = createStreamGroup(redis, group, consumerName);
  const chunks = createChunkRunner({ processor, metrics, logger });
  const acknowledged = metrics.streamEntriesAcknowledged;
  const reclaimed = metrics.streamEntriesReclaimed;
  /** stream key → coupon id, for every stream this worker's group exists on. */
  const known = new Map<string, string>();
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  let lastDiscovery = 0;
  let lastReclaim = Date.now();
  let ready = false;

  const alive = () => running;

  function recordOf(couponId: string, entry: StreamEntry): ConsumedRecord {
    const event = entry.fields.event;
    return {
      topic: STREAM_DEFAULTS.source,
      partition: 0,
      offset: entryTimeMs(entry.id),
      key: Buffer.from(issueEventKey(couponId)),
      value: event === undefined ? null : Buffer.from(event),
      headers: { [DLT_HEADERS.streamEntryId]: entry.id },
    };
  }

  /**
   * Retries what only Redis being away can fail while the worker runs; tried once even when it is
   * stopping, so a chunk finished on the way out is acknowledged.
   */
  async function untilDone(action: () => Promise<unknown>, what: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await action();
        return true;
      } catch (error) {
        logger.warn({ attempt, err: error }, `${what} failed: ${messageOf(error)}`);
        if (!alive()) return false;
        await waitWhileAlive(
          backoffMs(attempt, RETRY_DEFAULTS.transientBaseMs, RETRY_DEFAULTS.transientMaxMs),
          async () => undefined,
          alive,
        );
      }
    }
  }

  /** One coupon's entries, in stream order: processed, then acknowledged. */
  async function handle(stream: string, entries: StreamEntry[]): Promise<void> {
    const couponId = known.get(stream);
    if (couponId === undefined || entries.length === 0) return;
    // An entry deleted while pending (acknowledged by a worker that was thought dead) is done.
    const live = entries.filter((entry) => Object.keys(entry.fields).length > 0);
    const ids = entries.map((entry) => entry.id);
    if (live.length > 0) {
      const records = live.map((entry) => recordOf(couponId, entry));
      const keepHeld = () => streams.keepHeld(stream, ids);
      if (!(await chunks.run(records, keepHeld, alive))) return;
    }
    if (
      await untilDone(
        () => store.acknowledge(couponId, group, ids),
        `acknowledging ${ids.length} entries of ${stream}`,
      )
    )
      acknowledged.inc(ids.length);
  }

  /** Finds the streams of coupons loaded since; a stream met for the first time: its group, and
   * what this worker was delivered of it before a restart. */
  async function discover(): Promise<void> {
    for (const couponId of await redis.smembers(store.keys.streamCoupons)) {
      const stream = store.keys.coupon(couponId).stream;
      if (known.has(stream)) continue;
      await streams.ensure(stream);
      known.set(stream, couponId);
      for (;;) {
        const own = await streams.readOwnPending(stream, chunkSize);
        // Entries acknowledged meanwhile drop out; a batch that moves nothing ends the catch-up.
        if (own.length === 0) break;
        await handle(stream, own);
        if (!alive()) return;
        if (own.length < chunkSize) break;
      }
    }
  }

  async function reclaimAll(): Promise<void> {
    for (const stream of known.keys()) {
      const taken = await streams.reclaim(stream, claimIdleMs, chunkSize);
      if (taken.length === 0) continue;
      reclaimed.inc(taken.length);
      logger.info(
        { stream, entries: taken.length, idleMs: claimIdleMs },
        "took over entries a worker held too long",
      );
      await handle(stream, taken);
    }
  }

  async function pass(): Promise<void> {
    const now = Date.now();
    if (now - lastDiscovery >= discoverIntervalMs) {
      lastDiscovery = now;
      await discover();
      ready = true;
    }
    if (now - lastReclaim >= claimIdleMs / 2) {
      lastReclaim = now;
      await reclaimAll();
    }
    if (known.size === 0) {
      await waitWhileAlive(Math.min(blockMs, discoverIntervalMs), async () => undefined, alive);
      return;
    }
    const entries = await streams.read([...known.keys()], chunkSize, blockMs);
    const byStream = new Map<string, StreamEntry[]>();
    for (const entry of entries)
      byStream.set(entry.stream, [...(byStream.get(entry.stream) ?? []), entry]);
    for (const [stream, batch] of byStream) {
      if (!alive()) return;
      await handle(stream, batch);
    }
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      try {
        await pass();
        failures = 0;
      } catch (error) {
        failures++;
        // Redis lost its data (a restart without persistence): the groups are made again as the
        // coupons come back.
        if (/NOGROUP/.test(messageOf(error))) known.clear();
        logger.warn({ attempt: failures, err: error }, `stream read failed: ${messageOf(error)}`);
        await waitWhileAlive(
          backoffMs(failures, RETRY_DEFAULTS.transientBaseMs, RETRY_DEFAULTS.transientMaxMs),
          async () => undefined,
          alive,
        );
      }
    }
  }

  return {
    /** Whether it has looked for the streams at least once (its `/health` readiness). */
    isReady: () => ready,
    start(): void {
      running = true;
      loop = run();
    },
    /** Lets the chunk in hand finish and be acknowledged, then returns. */
    async stop(): Promise<void> {
      running = false;
      await loop;
    },
  };
}
