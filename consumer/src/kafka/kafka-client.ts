import { type Kafka, Partitioners, type Producer } from "kafkajs";
import { createKafka } from "#shared/kafka/create-kafka.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";

/**
 * One kafkajs client per process, its lines through the process's logger; reconnects by itself
 * when the broker returns.
 */
export function createKafkaClient(
  brokers: string[],
  clientId: string,
  logger: Logger = silentLogger(),
): Kafka {
  return createKafka({
    logger,
    clientId,
    brokers,
    connectionTimeout: 3000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
  });
}

/** Idempotent, acks=all: what the DLT and the reconciler produce is written once and durable. */
export function createDurableProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Keyed records go where the gateway's (through the Kafka REST proxy) go: Kafka's Java client's
    // murmur2, kafkajs 2's default. Named, so kafkajs does not log its notice about that default.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}
