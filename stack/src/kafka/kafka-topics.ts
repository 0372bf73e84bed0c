import type { Admin } from "kafkajs";
import { ISSUE_REQUEST_PARTITIONS, TOPICS } from "#shared/defaults.ts";

/** The topics the system needs: created when missing, left alone when present. */
export const REQUIRED_TOPICS = [
  { topic: TOPICS.issueRequests, numPartitions: ISSUE_REQUEST_PARTITIONS },
  { topic: TOPICS.issueRequestsDlt, numPartitions: ISSUE_REQUEST_PARTITIONS },
] as const;

export async function ensureTopics(admin: Admin): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = REQUIRED_TOPICS.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((t) => ({
      topic: t.topic,
      numPartitions: t.numPartitions,
      replicationFactor: 1,
    })),
  });
}
