import { Kafka, logLevel } from "kafkajs";
import { TOPICS } from "#shared/defaults.ts";
import { waitUntil } from "./wait.ts";

/** Waits until `groupId` has committed the end of every partition of `topic` (the issue topic). */
export async function waitForGroupCaughtUp(
  brokers: string[],
  groupId: string,
  {
    timeoutMs = 120_000,
    topic = TOPICS.issueRequests,
  }: { timeoutMs?: number; topic?: string } = {},
): Promise<void> {
  const admin = new Kafka({ clientId: "lag-probe", brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await waitUntil(
      async () => {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return ends.every(({ partition, high, low }) => {
          const at = committed?.partitions.find((p) => p.partition === partition)?.offset ?? "-1";
          // A partition with nothing to read has nothing to commit.
          return Number(at) >= Number(high) || Number(high) === Number(low);
        });
      },
      {
        timeoutMs,
        intervalMs: 500,
        what: `consumer group ${groupId} to reach the end of ${topic}`,
      },
    );
  } finally {
    await admin.disconnect();
  }
}
