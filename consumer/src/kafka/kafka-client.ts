import { Kafka, logLevel, type Producer } from "kafkajs";

/** One kafkajs client per process; reconnects by itself when the broker returns. */
export function createKafkaClient(brokers: string[], clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
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
  });
}
