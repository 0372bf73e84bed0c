import {
  type IHeaders,
  type Kafka,
  Partitioners,
  type Producer,
  type RecordMetadata,
} from "kafkajs";
import { KAFKA_REST_DEFAULTS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { BackendUnavailableError, HttpError } from "#shared/http-kit/http-error.ts";
import type { ProduceMessage, ProduceResult } from "./produce-request.ts";

export interface BatchingProducerOptions {
  kafka: Kafka;
  /**
   * How long a produce may take, waiting in the queue included, before its caller hears 503.
   * Default `KAFKA_REST_DEFAULTS.produceTimeoutMs`.
   */
  timeoutMs?: number;
  /** Most messages in one broker request. Default `KAFKA_REST_DEFAULTS`. */
  maxBatchMessages?: number;
  /**
   * Most bytes (keys, values, headers) in one broker request, well under the broker's
   * `message.max.bytes` (1 MiB by default); a larger message goes alone. Default 512 KiB.
   */
  maxBatchBytes?: number;
  /** When idle, wait this long for more messages before sending. Default `KAFKA_REST_DEFAULTS`. */
  lingerMs?: number;
}

/** A message with its partition already chosen (see partition-assigner.ts). */
export interface AssignedMessage {
  message: ProduceMessage;
  partition: number;
}

interface Caller {
  results: ProduceResult[];
  remaining: number;
  settled: boolean;
  resolve: (results: ProduceResult[]) => void;
  reject: (error: Error) => void;
}

interface Queued {
  caller: Caller;
  /** Position in the caller's request, i.e. in its answer. */
  index: number;
  topic: string;
  partition: number;
  timestamp: number;
  key: string | null;
  value: string;
  headers: IHeaders;
  bytes: number;
}

/** Broker verdicts about the messages themselves: sending them again cannot help. */
const REJECTED_MESSAGE_TYPES = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "CORRUPT_MESSAGE",
  "INVALID_TIMESTAMP",
]);

/** Kafka headers are a list in which a key may repeat; kafkajs takes repeats as an array. */
function toHeaders(headers: ProduceMessage["headers"]): IHeaders {
  const result: Record<string, string[]> = {};
  for (const { key, value } of headers ?? []) {
    result[key] ??= [];
    result[key].push(value);
  }
  return Object.fromEntries(
    Object.entries(result).map(([key, values]) => [key, values.length === 1 ? values[0] : values]),
  );
}

/** The error kafkajs wrapped (retries exceeded, one per broker, ...) that names a broker verdict. */
function rejectionType(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const current = queue.shift() as { type?: string; cause?: unknown; errors?: unknown[] };
    if (!current || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    if (current.type && REJECTED_MESSAGE_TYPES.has(current.type)) return current.type;
    queue.push(current.cause, ...(current.errors ?? []));
  }
  return undefined;
}

function failure(error: unknown): HttpError {
  const type = rejectionType(error);
  if (type) {
    return new HttpError(
      type.endsWith("TOO_LARGE") ? 413 : 400,
      `Kafka refused the message (${type}): ${messageOf(error)}`,
    );
  }
  return new BackendUnavailableError(
    `Kafka is unavailable: ${messageOf(error)}; try again shortly`,
  );
}

/**
 * One long-lived idempotent producer (acks=all) that coalesces concurrent requests: whatever is
 * queued while a broker request is in flight goes out together in the next one, so throughput does
 * not collapse to one round trip per message. One broker request at a time: the idempotent
 * producer's sequence numbers must never race, and per-partition order is queue order.
 *
 * Each message's offset is its partition batch's base offset plus its position in that batch, which
 * is why partitions are chosen before sending. A caller hears success only once the broker
 * acknowledged every one of its messages; after any failure the producer is replaced, so a batch
 * the broker may have half-seen can never be taken for a later one with the same sequence numbers.
 */
export function createBatchingProducer({
  kafka,
  timeoutMs = KAFKA_REST_DEFAULTS.produceTimeoutMs,
  maxBatchMessages = KAFKA_REST_DEFAULTS.maxBatchMessages,
  maxBatchBytes = 512 * 1024,
  lingerMs = KAFKA_REST_DEFAULTS.lingerMs,
}: BatchingProducerOptions) {
  let queue: Queued[] = [];
  let sending = false;
  let scheduled = false;
  let producer: Promise<Producer> | undefined;
  let backendUp = false;
  let idle: (() => void) | undefined;
  const stats = { brokerRequests: 0, messages: 0 };

  function connectedProducer(): Promise<Producer> {
    if (!producer) {
      const client = kafka.producer({
        idempotent: true,
        // kafkajs's limit for idempotence: one request in flight per broker connection.
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Within the caller's deadline; after that the caller hears 503 and may send again.
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
        // Every message comes with its partition (partition-assigner.ts); naming the partitioner
        // anyway keeps kafkajs from logging its notice about the v2 default changing.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      const connecting = client.connect().then(() => client);
      connecting.catch(() => {
        if (producer === connecting) producer = undefined;
        client.disconnect().catch(() => {});
      });
      producer = connecting;
    }
    return producer;
  }

  function discardProducer(): void {
    const current = producer;
    producer = undefined;
    current?.then((client) => client.disconnect()).catch(() => {});
  }

  function settle(caller: Caller, error?: Error): void {
    if (caller.settled) return;
    caller.settled = true;
    if (error) caller.reject(error);
    else caller.resolve(caller.results);
  }

  /** The next broker request: queue order, skipping callers that already gave up. */
  function takeBatch(): Queued[] {
    queue = queue.filter((item) => !item.caller.settled);
    let bytes = 0;
    let count = 0;
    while (count < queue.length && count < maxBatchMessages) {
      const item = queue[count] as Queued;
      if (count > 0 && bytes + item.bytes > maxBatchBytes) break;
      bytes += item.bytes;
      count++;
    }
    const batch = queue.slice(0, count);
    queue = queue.slice(count);
    return batch;
  }

  async function send(batch: Queued[]): Promise<void> {
    // Per topic, then per partition in queue order: the order kafkajs keeps within a partition.
    const byTopic = new Map<string, Map<number, Queued[]>>();
    for (const item of batch) {
      const partitions = byTopic.get(item.topic) ?? new Map<number, Queued[]>();
      byTopic.set(item.topic, partitions);
      const inPartition = partitions.get(item.partition) ?? [];
      partitions.set(item.partition, inPartition);
      inPartition.push(item);
    }
    let acknowledged: RecordMetadata[];
    stats.brokerRequests++;
    stats.messages += batch.length;
    try {
      const client = await connectedProducer();
      acknowledged = await client.sendBatch({
        acks: -1,
        timeout: timeoutMs,
        topicMessages: [...byTopic].map(([topic, partitions]) => ({
          topic,
          messages: [...partitions.values()].flat().map((item) => ({
            partition: item.partition,
            key: item.key,
            value: item.value,
            headers: item.headers,
            timestamp: String(item.timestamp),
          })),
        })),
      });
    } catch (error) {
      backendUp = rejectionType(error) !== undefined;
      discardProducer();
      const answer = failure(error);
      for (const item of batch) settle(item.caller, answer);
      return;
    }
    backendUp = true;
    for (const [topic, partitions] of byTopic) {
      for (const [partition, items] of partitions) {
        const reply = acknowledged.find((r) => r.topicName === topic && r.partition === partition);
        if (reply?.baseOffset === undefined || reply.errorCode !== 0) {
          const answer = new BackendUnavailableError(
            `Kafka acknowledged no offset for ${topic}[${partition}]; try again`,
          );
          for (const item of items) settle(item.caller, answer);
          continue;
        }
        const base = Number(reply.baseOffset);
        // With LogAppendTime topics the broker's time is the record's time.
        const appendTime = Number(reply.logAppendTime ?? -1);
        for (const [position, item] of items.entries()) {
          const { caller } = item;
          if (caller.settled) continue;
          caller.results[item.index] = {
            topic,
            partition,
            offset: base + position,
            timestamp: appendTime >= 0 ? appendTime : item.timestamp,
          };
          if (--caller.remaining === 0) settle(caller);
        }
      }
    }
  }

  async function drain(): Promise<void> {
    scheduled = false;
    if (sending) return;
    sending = true;
    try {
      for (let batch = takeBatch(); batch.length > 0; batch = takeBatch()) await send(batch);
    } finally {
      sending = false;
      idle?.();
    }
  }

  function schedule(): void {
    if (scheduled || sending) return;
    scheduled = true;
    if (lingerMs > 0) setTimeout(() => void drain(), lingerMs);
    else setImmediate(() => void drain());
  }

  return {
    /**
     * Produces one request's messages; resolves with their results in request order once the
     * broker acknowledged all of them, or rejects (503, or 400/413 for a message the broker
     * refuses) within `timeoutMs`.
     */
    produce(messages: AssignedMessage[]): Promise<ProduceResult[]> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            settle(
              caller,
              new BackendUnavailableError(
                `Kafka did not acknowledge within ${timeoutMs} ms; try again shortly`,
              ),
            ),
          timeoutMs,
        );
        const caller: Caller = {
          results: new Array(messages.length),
          remaining: messages.length,
          settled: false,
          resolve: (results) => {
            clearTimeout(timer);
            resolve(results);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        const now = Date.now();
        for (const [index, { message, partition }] of messages.entries()) {
          const headers = toHeaders(message.headers);
          let bytes = Buffer.byteLength(message.value) + Buffer.byteLength(message.key ?? "");
          for (const { key, value } of message.headers ?? [])
            bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
          queue.push({
            caller,
            index,
            topic: message.topic,
            partition,
            timestamp: message.timestamp ?? now,
            key: message.key ?? null,
            value: message.value,
            headers,
            bytes,
          });
        }
        schedule();
      });
    },
    /** Connects ahead of the first request; a broker that is not there yet is tried again then. */
    warmUp(): void {
      connectedProducer().then(
        () => {
          backendUp = true;
        },
        () => {
          backendUp = false;
        },
      );
    },
    /** Broker requests sent and the messages in them: messages per request shows the coalescing. */
    get stats(): Readonly<typeof stats> {
      return { ...stats };
    },
    /** Whether the last attempt to reach the broker succeeded. */
    get backendUp(): boolean {
      return backendUp;
    },
    /** Waits for the broker request in flight (no new ones are expected), then disconnects. */
    async close(): Promise<void> {
      if (sending) await new Promise<void>((resolve) => (idle = resolve));
      const current = producer;
      producer = undefined;
      await current?.then((client) => client.disconnect()).catch(() => {});
    },
  };
}

export type BatchingProducer = ReturnType<typeof createBatchingProducer>;
