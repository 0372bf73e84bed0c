import type { Admin } from "kafkajs";
import { ensureTopics, REQUIRED_TOPICS, type TopicSpec } from "#stack/kafka/kafka-topics.ts";
import { waitUntil } from "./wait.ts";

/**
 * Deletes `topics` on the broker `admin` is connected to and creates them again, empty: the same
 * names, offsets from 0 again. Only on a broker the caller owns (the run's, or a scenario's own).
 */
export async function recreateTopics(
  admin: Admin,
  topics: readonly TopicSpec[] = REQUIRED_TOPICS,
): Promise<void> {
  const names = new Set(topics.map((t) => t.topic));
  const existing = (await admin.listTopics()).filter((t) => names.has(t));
  if (existing.length > 0) await admin.deleteTopics({ topics: existing, timeout: 30_000 });
  // Deletion completes in the background; creating too early fails with "already exists".
  await waitUntil(
    async () => {
      try {
        await ensureTopics(admin, topics);
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 60_000, intervalMs: 500, what: "the topics to be created again" },
  );
}
