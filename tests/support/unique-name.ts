import { CONSUMER_GROUP, DLT_MONITOR_GROUP, TOPICS } from "#shared/defaults.ts";

/**
 * `base` with a random suffix (`issue-consumer` → `issue-consumer-3f9c0a1b2d4e`): a topic, group or
 * key prefix of a test's own, so tests never see each other's records or keys, whatever the order.
 */
export function uniqueName(base: string): string {
  return `${base}-${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** The names a whole system works under: Kafka topics and groups, and its Redis key prefix. */
export interface SystemNames {
  issueTopic: string;
  deadLetterTopic: string;
  consumerGroup: string;
  dltMonitorGroup: string;
  redisKeyPrefix: string;
}

/** The pinned names, each with one random suffix: a system that shares nothing with another. */
export function uniqueSystemNames(): SystemNames {
  const suffix = uniqueName("").slice(1);
  return {
    issueTopic: `${TOPICS.issueRequests}-${suffix}`,
    deadLetterTopic: `${TOPICS.issueRequestsDlt}-${suffix}`,
    consumerGroup: `${CONSUMER_GROUP}-${suffix}`,
    dltMonitorGroup: `${DLT_MONITOR_GROUP}-${suffix}`,
    redisKeyPrefix: `test-${suffix}:`,
  };
}
