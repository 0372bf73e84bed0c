import { Kafka, type KafkaMessage, logLevel } from "kafkajs";
import { ensureTopics, type TopicSpec } from "#stack/kafka/kafka-topics.ts";
import { uniqueName } from "./unique-name.ts";
import { waitUntil } from "./wait.ts";

const client = (brokers: string[]) =>
  new Kafka({ clientId: "test-support", brokers, logLevel: logLevel.NOTHING });

async function withAdmin<T>(
  brokers: string[],
  work: (admin: ReturnType<Kafka["admin"]>) => Promise<T>,
): Promise<T> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates topics of a test's own on the test broker (name them with `uniqueName`). */
export function createTopics(brokers: string[], topics: readonly TopicSpec[]): Promise<void> {
  return withAdmin(brokers, (admin) => ensureTopics(admin, topics));
}

/**
 * Deletes what a test created on the broker: its consumer groups (once their consumers have left)
 * and its topics. A group that never committed anything may not exist: that is no error.
 */
export function deleteTopicsAndGroups(
  brokers: string[],
  { topics = [], groups = [] }: { topics?: string[]; groups?: string[] },
): Promise<void> {
  return withAdmin(brokers, async (admin) => {
    const existingGroups = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
    const ours = groups.filter((g) => existingGroups.has(g));
    if (ours.length > 0) await admin.deleteGroups(ours);
    const existingTopics = new Set(await admin.listTopics());
    const doomed = topics.filter((t) => existingTopics.has(t));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed, timeout: 30_000 });
  });
}

export type TopicRecord = KafkaMessage & { partition: number };

/** Every record a topic holds now (up to each partition's current end), read back from the broker. */
export async function readTopic(
  brokers: string[],
  topic: string,
  { timeoutMs = 30_000 } = {},
): Promise<TopicRecord[]> {
  const ends = new Map(
    (await withAdmin(brokers, (admin) => admin.fetchTopicOffsets(topic)))
      .filter((p) => Number(p.high) > Number(p.low))
      .map((p) => [p.partition, Number(p.high)]),
  );
  if (ends.size === 0) return [];
  const groupId = uniqueName("topic-reader");
  const consumer = client(brokers).consumer({ groupId });
  const records: TopicRecord[] = [];
  const open = new Set(ends.keys());
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = ends.get(partition) ?? 0;
        if (Number(message.offset) < end) records.push({ ...message, partition });
        if (Number(message.offset) + 1 >= end) open.delete(partition);
      },
    });
    await waitUntil(() => open.size === 0, { timeoutMs, what: `every record of ${topic}` });
  } finally {
    await consumer.disconnect();
    await deleteTopicsAndGroups(brokers, { groups: [groupId] });
  }
  return records;
}
