import { type Admin, type Kafka, Partitioners, type PartitionMetadata } from "kafkajs";
import { messageOf } from "#shared/errors/message-of.ts";
import { BackendUnavailableError, HttpError } from "#shared/http-kit/http-error.ts";
import type { ProduceMessage } from "./produce-request.ts";

export interface PartitionAssignerOptions {
  kafka: Kafka;
  /** Partition metadata older than this is refreshed (in the background). Default 30 s. */
  metadataMaxAgeMs?: number;
}

interface TopicMetadata {
  partitions: PartitionMetadata[];
  fetchedAt: number;
}

/**
 * Chooses each message's partition before it is sent, so the proxy knows where every message goes
 * and can give each its offset (base offset of its partition's batch + its position). An explicit
 * partition is honoured; a key goes where Kafka's Java client would put it (murmur2 of the key,
 * modulo the partition count: kafkajs's DefaultPartitioner); no key goes round-robin over the
 * partitions that have a leader.
 */
export function createPartitionAssigner({
  kafka,
  metadataMaxAgeMs = 30_000,
}: PartitionAssignerOptions) {
  const partitioner = Partitioners.DefaultPartitioner();
  const cache = new Map<string, TopicMetadata>();
  const inFlight = new Map<string, Promise<TopicMetadata>>();
  let admin: Promise<Admin> | undefined;

  function connectedAdmin(): Promise<Admin> {
    if (!admin) {
      const client = kafka.admin();
      const connecting = client.connect().then(() => client);
      connecting.catch(() => {
        if (admin === connecting) admin = undefined;
      });
      admin = connecting;
    }
    return admin;
  }

  async function discardAdmin(): Promise<void> {
    const current = admin;
    admin = undefined;
    const client = await current?.catch(() => undefined);
    await client?.disconnect().catch(() => {});
  }

  function fetchMetadata(topic: string): Promise<TopicMetadata> {
    let pending = inFlight.get(topic);
    if (!pending) {
      pending = (async () => {
        const client = await connectedAdmin();
        const { topics } = await client.fetchTopicMetadata({ topics: [topic] }).catch((error) => {
          // Start over with a new connection next time rather than trust this one.
          if (admin) void discardAdmin();
          throw error;
        });
        const partitions = topics.find((t) => t.name === topic)?.partitions ?? [];
        if (partitions.length === 0) throw new Error(`topic ${topic} has no partitions`);
        const fresh = { partitions, fetchedAt: Date.now() };
        cache.set(topic, fresh);
        return fresh;
      })().finally(() => inFlight.delete(topic));
      inFlight.set(topic, pending);
    }
    return pending;
  }

  async function metadataOf(topic: string): Promise<TopicMetadata> {
    const cached = cache.get(topic);
    if (cached) {
      // Partitions are added rarely; a stale list serves while a fresh one is fetched.
      if (Date.now() - cached.fetchedAt > metadataMaxAgeMs) fetchMetadata(topic).catch(() => {});
      return cached;
    }
    try {
      return await fetchMetadata(topic);
    } catch (error) {
      throw new BackendUnavailableError(
        `Kafka is unavailable: no metadata for topic ${topic} (${messageOf(error)}); try again shortly`,
      );
    }
  }

  return {
    /** The partition of each message, in order. Throws 400 for a partition the topic lacks. */
    async assign(messages: ProduceMessage[]): Promise<number[]> {
      const partitions: number[] = [];
      for (const message of messages) {
        const { partitions: metadata } = await metadataOf(message.topic);
        if (message.partition !== undefined && message.partition !== null) {
          if (message.partition >= metadata.length) {
            throw new HttpError(
              400,
              `topic ${message.topic} has partitions 0-${metadata.length - 1}, not ${message.partition}`,
            );
          }
          partitions.push(message.partition);
          continue;
        }
        partitions.push(
          partitioner({
            topic: message.topic,
            partitionMetadata: metadata,
            message: { key: message.key ?? null, value: message.value },
          }),
        );
      }
      return partitions;
    },
    /** Connects and loads the topics' metadata ahead of the first request; failures are retried then. */
    warmUp(topics: string[]): void {
      for (const topic of topics) fetchMetadata(topic).catch(() => {});
    },
    close: discardAdmin,
  };
}

export type PartitionAssigner = ReturnType<typeof createPartitionAssigner>;
