import type { Admin } from "kafkajs";
import { ISSUE_REQUEST_PARTITIONS, TOPICS } from "#shared/defaults.ts";

export interface TopicSpec {
  topic: string;
  numPartitions: number;
}

/** An issue topic and its dead-letter topic, with the pinned partition count. */
export function issueTopics(
  issue: string = TOPICS.issueRequests,
  deadLetter: string = TOPICS.issueRequestsDlt,
): TopicSpec[] {
  return [
    { topic: issue, numPartitions: ISSUE_REQUEST_PARTITIONS },
    { topic: deadLetter, numPartitions: ISSUE_REQUEST_PARTITIONS },
  ];
}

/** The topics the system needs. */
export const REQUIRED_TOPICS: readonly TopicSpec[] = issueTopics();

/**
 * Creates the topics that are missing, leaves the ones present alone. Each gets the brokers'
 * `default.replication.factor`: one on a single broker, three on a cluster (kafka-broker.ts).
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly TopicSpec[] = REQUIRED_TOPICS,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: false,
    topics: missing.map((t) => ({
      topic: t.topic,
      numPartitions: t.numPartitions,
    })),
  });
  await waitForLeaders(
    admin,
    missing.map((t) => t.topic),
  );
}

/**
 * Waits until every partition of `topics` has a leader. On a cluster, a broker other than the
 * controller may not know a new topic yet and answers "does not host this topic-partition", which
 * kafkajs's own wait does not retry: asked again until the deadline.
 */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const led = await admin
      .fetchTopicMetadata({ topics })
      .then((metadata) =>
        metadata.topics.every(
          (topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0),
        ),
      )
      .catch(() => false);
    if (led) return;
    if (Date.now() > deadline)
      throw new Error(
        `no leader for every partition of ${topics.join(", ")} within ${timeoutMs} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
