import type { Kafka } from "kafkajs";
import { createKafka } from "#shared/kafka/create-kafka.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";

// A probe fails while the broker starts: what it would log is expected, so it logs nothing.
function client(brokers: string[]): Kafka {
  return createKafka({
    logger: silentLogger(),
    clientId: "stack-probe",
    brokers,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
}

/** True when a broker answers a metadata request (describe cluster) at `brokers`. */
export async function isKafkaReady(brokers: string[]): Promise<boolean> {
  const admin = client(brokers).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Waits for the broker with the client, never a fixed sleep; fails after `timeoutMs`. */
export async function waitForKafka(
  brokers: string[],
  timeoutMs = 90_000,
  isAlive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive())
      throw new Error("the Kafka broker exited while starting (see its log lines above)");
    if (await isKafkaReady(brokers)) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`Kafka at ${brokers.join(",")} not ready within ${timeoutMs} ms`);
}

export function kafkaAdminClient(brokers: string[], logger: Logger = silentLogger()): Kafka {
  return createKafka({
    logger,
    clientId: "stack-admin",
    brokers,
    retry: { retries: 5 },
  });
}
