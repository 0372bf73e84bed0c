import type { Admin } from "kafkajs";
import { MONITORING_DEFAULTS } from "#shared/defaults.ts";
import type { ControlMetrics } from "./metrics.ts";

/** A partition's high watermark as seen at a moment. */
export interface WatermarkSample {
  offset: number;
  atMs: number;
}

export interface PartitionLag {
  partition: number;
  records: number;
  seconds: number;
}

/**
 * When the record at `offset` was written, read from the watermark history (oldest first): between
 * the last sample that had not reached it and the first that had, interpolated. Kafka's admin API
 * gives offsets, not times, so the lag in time is estimated from how the watermark moved, as
 * kafka-lag-exporter does. Before the oldest sample: the oldest sample's time (a lower bound).
 */
export function writtenAtMs(history: readonly WatermarkSample[], offset: number): number | null {
  const after = history.findIndex((sample) => sample.offset > offset);
  if (after < 0) return null;
  const reached = history[after] as WatermarkSample;
  const before = history[after - 1];
  if (!before) return reached.atMs;
  const share = (offset - before.offset) / (reached.offset - before.offset);
  return before.atMs + share * (reached.atMs - before.atMs);
}

export interface ConsumerLagOptions {
  admin: Admin;
  groupId: string;
  topic: string;
  metrics: ControlMetrics;
  /** Samples kept per partition. Default `MONITORING_DEFAULTS.lagHistorySamples`. */
  historySamples?: number;
  now?: () => number;
}

/**
 * The persistence group's lag per partition, in records (high watermark minus committed offset) and
 * in seconds (the age of the oldest record not committed). Each `sample()` asks the broker once and
 * sets the gauges; a group that never committed on a partition is behind from its first record.
 */
export function createConsumerLag({
  admin,
  groupId,
  topic,
  metrics,
  historySamples = MONITORING_DEFAULTS.lagHistorySamples,
  now = Date.now,
}: ConsumerLagOptions) {
  const histories = new Map<number, WatermarkSample[]>();

  function remember(partition: number, sample: WatermarkSample, committed: number) {
    const history = histories.get(partition) ?? [];
    if (history.at(-1)?.offset !== sample.offset) history.push(sample);
    // Samples before the last one at or below the committed offset can no longer matter.
    while (history.length > 1 && (history[1] as WatermarkSample).offset <= committed)
      history.shift();
    if (history.length > historySamples) history.splice(0, history.length - historySamples);
    histories.set(partition, history);
    return history;
  }

  async function sample(): Promise<PartitionLag[]> {
    const [watermarks, groupOffsets] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const committedBy = new Map(
      (groupOffsets.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [
        p.partition,
        Number(p.offset),
      ]),
    );
    const at = now();
    const byPartition = [...watermarks].sort((a, b) => a.partition - b.partition);
    return byPartition.map(({ partition, high, low }) => {
      const highOffset = Number(high);
      const given = committedBy.get(partition) ?? -1;
      const committed = given < 0 ? Number(low) : given;
      const history = remember(partition, { offset: highOffset, atMs: at }, committed);
      const records = Math.max(0, highOffset - committed);
      const written = records > 0 ? writtenAtMs(history, committed) : null;
      const seconds = written === null ? 0 : Math.max(0, (at - written) / 1000);
      const labels = [topic, String(partition)] as const;
      metrics.consumerLagRecords.labels(...labels).set(records);
      metrics.consumerLagSeconds.labels(...labels).set(seconds);
      return { partition, records, seconds };
    });
  }

  return { sample };
}
